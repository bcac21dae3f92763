import Foundation

/// Runs a product executable (`flightdeck`, built next to the test bundle) as a real process.
public struct ProductProcess: Sendable {
    public struct Result: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
        /// True when the process ended by a signal (a crash, or our SIGKILL).
        public var signalled: Bool
    }

    /// The directory holding the built products (`.build/debug` or `.build/release`).
    public static var productsDirectory: URL {
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            return bundle.bundleURL.deletingLastPathComponent()
        }
        return Bundle.main.bundleURL
    }

    public let executable: URL

    public init(_ name: String) {
        executable = Self.productsDirectory.appendingPathComponent(name)
    }

    /// Any program (a peer such as `kubectl`), by path.
    public init(executable: URL) {
        self.executable = executable
    }

    /// An empty config directory for runs that do not bring one.
    static let isolatedConfigHome = TemporaryDirectory("flightdeck-xdg-config")

    /// Starts the process; stdout/stderr go to pipes read on completion.
    public func start(_ arguments: [String], environment: [String: String] = [:], stdin: String? = nil) throws -> Running {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env["LANG"] = env["LANG"].flatMap { $0.isEmpty ? nil : $0 } ?? "C.UTF-8"
        // Never this machine's own config: a run that names neither a home nor a config
        // directory gets an empty one of its own (`install` writes the NATS keys there).
        if environment["HOME"] == nil, environment["XDG_CONFIG_HOME"] == nil {
            env["XDG_CONFIG_HOME"] = Self.isolatedConfigHome.path
        }
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let input = Pipe()
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try? input.fileHandleForWriting.close()
        return Running(process: process, out: out, err: err)
    }

    /// Runs to completion without blocking a cooperative thread. There is no blocking
    /// variant: a test parked on a child process holds one of the few threads the in-process
    /// servers of every other test run on.
    public func run(_ arguments: [String], environment: [String: String] = [:], stdin: String? = nil) async throws
        -> Result
    {
        try await start(arguments, environment: environment, stdin: stdin).finish()
    }

    public final class Running: @unchecked Sendable {
        public let process: Process
        let out: Pipe
        let err: Pipe
        private var outData = Data()
        private var errData = Data()
        private let readers = DispatchGroup()

        init(process: Process, out: Pipe, err: Pipe) {
            self.process = process
            self.out = out
            self.err = err
            // Drain both pipes concurrently so a chatty child never blocks on a full pipe.
            // Threads of their own: a blocking read parked on Dispatch's global queue takes
            // one of the few threads Swift concurrency also runs on, and a long-running child
            // would starve the in-process servers the test talks to.
            readers.enter()
            Thread { [self] in
                outData = (try? out.fileHandleForReading.readToEnd()) ?? Data()
                readers.leave()
            }.start()
            readers.enter()
            Thread { [self] in
                errData = (try? err.fileHandleForReading.readToEnd()) ?? Data()
                readers.leave()
            }.start()
        }

        public func kill(_ signal: Int32 = SIGKILL) {
            Foundation.kill(process.processIdentifier, signal)
        }

        /// Waits without holding a cooperative thread (async tests share two of them with
        /// the servers they talk to).
        public func finish() async -> Result {
            await withCheckedContinuation { continuation in
                Thread { continuation.resume(returning: self.wait()) }.start()
            }
        }

        private func wait() -> Result {
            process.waitUntilExit()
            readers.wait()
            return Result(
                status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                stderr: String(decoding: errData, as: UTF8.self),
                signalled: process.terminationReason == .uncaughtSignal)
        }
    }
}
