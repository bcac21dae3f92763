import AgentManifests
import Foundation
import NATSAuth
import NATSClient

/// A nats-server with JetStream that Flightdeck starts itself for the demo and `flightdeck
/// sim --nats`: on a free loopback port, its store in the demo's data directory, stopped with
/// the demo — and, given bus keys, with the JWT authorization the install bundle gives the
/// in-cluster server, so the demo exercises what production runs.
public final class LocalNATSServer: @unchecked Sendable {
    let process = Process()
    public private(set) var port = 0
    private let portsDirectory: String
    private let storeDirectory: String
    private let executable: String

    public var url: String { "nats://127.0.0.1:\(port)" }

    /// `nil` when nats-server is not installed; throws when it is but would not start.
    /// Waits for its ports file without holding a thread of the cooperative pool.
    public static func startIfInstalled(storeDirectory: String, keys: BusKeys? = nil) async throws -> LocalNATSServer? {
        guard let executable = Executables.find("nats-server", environment: ProcessInfo.processInfo.environment)
        else { return nil }
        let server = try LocalNATSServer(executable: executable, storeDirectory: storeDirectory, keys: keys)
        try await Self.launchOnThreadOfItsOwn(server.process)
        try await server.waitUntilListening()
        return server
    }

    private init(executable: String, storeDirectory: String, keys: BusKeys?) throws {
        // The server picks a free port itself and says which in a ports file: no window in
        // which another process takes a port probed free beforehand.
        let portsDirectory = storeDirectory + "/ports"
        self.portsDirectory = portsDirectory
        self.storeDirectory = storeDirectory
        self.executable = executable
        try? FileManager.default.removeItem(atPath: portsDirectory)
        try FileManager.default.createDirectory(atPath: portsDirectory, withIntermediateDirectories: true)
        var arguments = ["-a", "127.0.0.1", "-p", "-1", "--ports_file_dir", portsDirectory, "-js", "-sd", storeDirectory]
        if let keys {
            let config = storeDirectory + "/nats.conf"
            try NATSAuthorizationSettings(keys: keys).serverConfiguration(resolverDirectory: storeDirectory + "/jwt")
                .write(toFile: config, atomically: true, encoding: .utf8)
            arguments = ["-c", config] + arguments
        }
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
        process.standardInput = FileHandle.nullDevice
    }

    private func waitUntilListening() async throws {
        let deadline = Date().addingTimeInterval(15)
        while true {
            if let listening = NATSPortsFile.clientPort(inDirectory: portsDirectory) {
                port = listening
                return
            }
            guard process.isRunning, Date() < deadline else {
                if process.isRunning { process.terminate() }
                throw OperatorError("nats-server (\(executable)) did not start on 127.0.0.1 (its store: \(storeDirectory))")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// The death signal goes to the child when the *thread* that started it ends, and the
    /// threads async code runs on come and go: the server is started from a thread that
    /// lives exactly as long as the server.
    private static func launchOnThreadOfItsOwn(_ process: Process) async throws {
        try await withCheckedThrowingContinuation { (launched: CheckedContinuation<Void, any Error>) in
            let thread = Thread {
                do { try process.run() } catch {
                    launched.resume(throwing: error)
                    return
                }
                launched.resume()
                process.waitUntilExit()
            }
            thread.name = "nats-server"
            thread.start()
        }
    }

    private static let setpriv = "/usr/bin/setpriv"

    public func stop() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }

    deinit { stop() }
}
