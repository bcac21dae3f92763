import Foundation

/// A nats-server with JetStream that Flightdeck starts itself for the demo: on a free
/// loopback port, its store in the demo's data directory, stopped with the demo.
final class LocalNATSServer: @unchecked Sendable {
    let process = Process()
    let port: Int

    var url: String { "nats://127.0.0.1:\(port)" }

    /// `nil` when nats-server is not installed; throws when it is but would not start.
    static func startIfInstalled(storeDirectory: String) throws -> LocalNATSServer? {
        guard let executable = Executables.find("nats-server", environment: ProcessInfo.processInfo.environment)
        else { return nil }
        return try LocalNATSServer(executable: executable, storeDirectory: storeDirectory)
    }

    private init(executable: String, storeDirectory: String) throws {
        port = try Self.freePort()
        let arguments = ["-a", "127.0.0.1", "-p", String(port), "-js", "-sd", storeDirectory]
        // Through setpriv (util-linux) where there is one, the server gets SIGTERM when the
        // demo dies however it dies (SIGKILL, a crash), instead of living on unowned.
        if FileManager.default.isExecutableFile(atPath: Self.setpriv) {
            process.executableURL = URL(fileURLWithPath: Self.setpriv)
            process.arguments = ["--pdeathsig", "TERM", "--", executable] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
        }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(15)
        while !Self.accepts(port) {
            guard process.isRunning, Date() < deadline else {
                stop()
                throw CLIFailure("nats-server (\(executable)) did not start on 127.0.0.1:\(port)")
            }
            usleep(20_000)
        }
    }

    private static let setpriv = "/usr/bin/setpriv"

    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }

    deinit { stop() }

    private static func accepts(_ port: Int) -> Bool {
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

    private static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0 else { throw CLIFailure("cannot find a free loopback port for nats-server") }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
