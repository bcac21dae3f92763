import Foundation

/// The real `flightdeck serve` as a child process over a history file, so that its memory is
/// its own: started, waited for until it answers, measured from `/proc`, stopped.
///
/// The `flightdeck` executable is the one built beside this benchmark (same configuration),
/// or `$FLIGHTDECK_BENCH_SERVE` (another build, for a side-by-side run).
final class ServeChild {
    let port: Int
    let process = Process()
    private let stderrPath: String

    /// Starts `flightdeck serve --history-db history --listen 127.0.0.1:port` plus `arguments`,
    /// and returns once `GET /api/jobs` answers (or throws after `timeout` seconds).
    init(history: String, port: Int, arguments: [String] = [], directory: String, timeout: Double = 60) throws {
        self.port = port
        let executable = ProcessInfo.processInfo.environment["FLIGHTDECK_BENCH_SERVE"]
            ?? URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
            .deletingLastPathComponent().appendingPathComponent("flightdeck").path
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw BenchError("no flightdeck executable at \(executable): build it too")
        }
        stderrPath = directory + "/serve-\(port).stderr"
        FileManager.default.createFile(atPath: stderrPath, contents: nil)
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["serve", "--history-db", history, "--listen", "127.0.0.1:\(port)"] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["XDG_CONFIG_HOME"] = directory + "/serve-config"  // no settings of the user's
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle(forWritingAtPath: stderrPath)
        try process.run()
        let deadline = now() + timeout
        while now() < deadline {
            if let socket = try? LoopbackSocket(port: port) {
                try? socket.send(Array("GET /api/jobs HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8))
                if let answer = try? socket.receive(), answer.starts(with: Array("HTTP/1.1 200".utf8)) { return }
            }
            guard process.isRunning else { break }
            Thread.sleep(forTimeInterval: 0.1)
        }
        stop()
        throw BenchError("flightdeck serve did not answer on port \(port): \(stderr)")
    }

    var pid: Int32 { process.processIdentifier }

    /// What the server wrote to stderr.
    var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    /// `VmHWM` (peak) and `VmRSS` (now) of the server, in MB.
    func memory() -> (peakMB: Double, residentMB: Double) {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        func field(_ name: String) -> Double {
            guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(name + ":") }) else { return .nan }
            let kilobytes = line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.flatMap { Double($0) }
            return (kilobytes ?? .nan) / 1024
        }
        return (field("VmHWM"), field("VmRSS"))
    }

    /// User + system CPU seconds the server used so far (`/proc/PID/stat`).
    func cpuSeconds() -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")")
        else { return .nan }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return .nan }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// SIGTERM, then waits for the exit.
    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }
}
