import Foundation

/// The real `nats-server` (Debian's package) on a free loopback port, for tests: started
/// with the options a test needs (JetStream with a store directory, user/password or token),
/// stopped and restarted on the same port to test reconnection.
public final class NATSServerProcess: @unchecked Sendable {
    public static let executable: String? = ["/usr/sbin/nats-server", "/usr/bin/nats-server", "/usr/local/bin/nats-server"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    public let port: Int
    public let arguments: [String]
    private var process: Process?
    private let directory = TemporaryDirectory("flightdeck-nats")

    /// `extra` are nats-server flags (`--user u --pass p`, `--auth token`); `jetStream`
    /// adds `-js` with a store directory of the server's own.
    public init(jetStream: Bool = false, extra: [String] = [], port: Int? = nil) async throws {
        self.port = try port ?? Self.freePort()
        var arguments = ["-a", "127.0.0.1", "-p", String(self.port)]
        if jetStream { arguments += ["-js", "-sd", directory.file("js")] }
        self.arguments = arguments + extra
        try await start()
    }

    public var url: String { "nats://127.0.0.1:\(port)" }

    /// Starts the server and waits until it accepts connections — asleep, not holding one
    /// of the two cooperative threads the whole test process shares (a dozen suites start
    /// servers at once).
    public func start() async throws {
        guard let executable = Self.executable else { throw CocoaError(.fileNoSuchFile) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process
        // A loaded machine can take seconds to start it.
        for _ in 0..<3000 {
            if Self.accepts(port) { return }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    /// Kills the server (SIGKILL: no goodbye to clients).
    public func kill() {
        guard let process else { return }
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        self.process = nil
    }

    deinit { kill() }

    static func accepts(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }

    public static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
