import Foundation

/// A Linux pseudo-terminal pair of a given size, and this benchmark's own executable run as a
/// child on it, as a person's terminal would run a program: how the cockpit benchmarks
/// measure from outside. Every byte the terminal receives is counted, stamped.
final class PseudoTerminal {
    let master: Int32
    let slave: Int32
    let received = ByteLog()
    private var reader: Thread?

    init(rows: UInt16, columns: UInt16) throws {
        // posix_openpt and friends are hidden from Swift's Glibc: unlock the slave
        // (TIOCSPTLCK), learn its number (TIOCGPTN).
        master = open("/dev/ptmx", O_RDWR | O_NOCTTY)
        var unlock: Int32 = 0
        var number: UInt32 = 0
        guard master >= 0, ioctl(master, UInt(0x4004_5431), &unlock) == 0, ioctl(master, UInt(0x8004_5430), &number) == 0 else {
            throw BenchError("cannot open a pseudo-terminal")
        }
        var size = winsize(ws_row: rows, ws_col: columns, ws_xpixel: 0, ws_ypixel: 0)
        _ = ioctl(master, UInt(TIOCSWINSZ), &size)
        slave = open("/dev/pts/\(number)", O_RDWR | O_NOCTTY)
        guard slave >= 0 else { throw BenchError("cannot open /dev/pts/\(number)") }
        let (master, received) = (master, received)
        let reader = Thread {
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while true {
                let count = read(master, &buffer, buffer.count)
                if count <= 0 { break }
                received.add(count, at: nowNanoseconds())
            }
        }
        reader.start()
        self.reader = reader
    }

    /// Runs this executable with `arguments` on the terminal (a 256-colour UTF-8 xterm) and
    /// waits for it; `started` is called just before the exec.
    func runChild(_ arguments: [String], started: () -> Void = {}) throws -> Int32 {
        let child = Process()
        child.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL
        if !FileManager.default.fileExists(atPath: child.executableURL!.path) {
            child.executableURL = URL(fileURLWithPath: ProcessInfo.processInfo.arguments[0])
        }
        child.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["TERM"] = "xterm-256color"
        environment["COLORTERM"] = "truecolor"
        environment["LANG"] = "C.UTF-8"
        environment["LC_ALL"] = "C.UTF-8"
        environment.removeValue(forKey: "NO_COLOR")
        environment.removeValue(forKey: "TMUX")
        child.environment = environment
        let terminal = FileHandle(fileDescriptor: slave, closeOnDealloc: false)
        child.standardInput = terminal
        child.standardOutput = terminal
        child.standardError = FileHandle(forWritingAtPath: "/dev/null")
        started()
        try child.run()
        child.waitUntilExit()
        return child.terminationStatus
    }

    /// Closes both ends once the reader has drained what the child wrote last (the
    /// terminal's restore).
    func close() {
        Glibc.close(slave)
        usleep(200_000)
        Glibc.close(master)
    }
}

/// `key value` lines, as the benchmarks' children report.
func readReport(_ path: String) -> [String: Double]? {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
    var figures: [String: Double] = [:]
    for line in text.split(separator: "\n") {
        let parts = line.split(separator: " ")
        if parts.count == 2, let value = Double(parts[1]) { figures[String(parts[0])] = value }
    }
    return figures
}
