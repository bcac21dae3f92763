import Foundation
import NATSClient

/// The real `nats-server` (Debian's package) on a free loopback port, for tests: started
/// with the options a test needs (JetStream with a store directory, user/password or token),
/// stopped and restarted on the same port to test reconnection.
public final class NATSServerProcess: @unchecked Sendable {
    public static let executable: String? = ["/usr/sbin/nats-server", "/usr/bin/nats-server", "/usr/local/bin/nats-server"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    /// The client port: chosen by the server on its first start (no race with other
    /// processes for a port probed free beforehand), kept across restarts.
    public private(set) var port: Int
    private let options: [String]
    private var process: Process?
    private let directory = TemporaryDirectory("flightdeck-nats")

    /// `extra` are nats-server flags (`--user u --pass p`, `--auth token`); `jetStream`
    /// adds `-js` with a store directory of the server's own; `port` pins the port.
    /// `configuration`, given the server's own directory, is the text of a configuration
    /// file (JWT authorization, say) passed with `-c`.
    public init(jetStream: Bool = false, extra: [String] = [], port: Int? = nil,
        configuration: ((_ directory: String) -> String)? = nil) async throws
    {
        self.port = port ?? -1
        var configFile: [String] = []
        if let configuration {
            let path = directory.file("nats.conf")
            try configuration(directory.path).write(toFile: path, atomically: true, encoding: .utf8)
            configFile = ["-c", path]
        }
        options = configFile + (jetStream ? ["-js", "-sd", directory.file("js")] : []) + extra
        try await start()
    }

    public var url: String { "nats://127.0.0.1:\(port)" }

    /// The command line of the running server.
    public var arguments: [String] { ["-a", "127.0.0.1", "-p", String(port)] + options }

    /// Starts the server and waits until it accepts connections — asleep, not holding one
    /// of the two cooperative threads the whole test process shares (a dozen suites start
    /// servers at once). The server writes the port it listens on to a ports file.
    public func start() async throws {
        guard let executable = Self.executable else { throw CocoaError(.fileNoSuchFile) }
        let portsDirectory = directory.file("ports-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: portsDirectory, withIntermediateDirectories: true)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments + ["--ports_file_dir", portsDirectory]
        // Never the test process's own stdio: a server that outlived a crashed test process
        // would otherwise hold `swift test`'s output open.
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        self.process = process
        // A loaded machine can take seconds to start it.
        for _ in 0..<3000 {
            guard process.isRunning else {
                throw StartFailure("nats-server \(arguments.joined(separator: " ")) exited with status \(process.terminationStatus)")
            }
            if let listening = NATSPortsFile.clientPort(inDirectory: portsDirectory) {
                port = listening
                return
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        kill()
        throw StartFailure("nats-server \(arguments.joined(separator: " ")) did not start listening within 30 s")
    }

    public struct StartFailure: Error, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    /// Kills the server (SIGKILL: no goodbye to clients).
    public func kill() {
        guard let process else { return }
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        self.process = nil
    }

    deinit { kill() }

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

import AgentManifests
import NATSAuth

extension NATSServerProcess {
    /// A nats-server in JWT mode trusting `keys` (JetStream on, a full resolver in its own
    /// directory), configured as the install bundle configures the in-cluster one.
    public static func trusting(_ keys: BusKeys) async throws -> NATSServerProcess {
        try await NATSServerProcess { directory in
            NATSAuthorizationSettings(keys: keys).serverConfiguration(resolverDirectory: directory + "/jwt")
                + "jetstream { store_dir: \"\(directory)/js\" }\n"
        }
    }
}
