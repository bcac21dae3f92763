import FlightdeckCore
import Foundation

/// Runs a connection's exec credential plugin and caches what it returns until it expires.
///
/// The protocol is client.authentication.k8s.io v1/v1beta1: the plugin gets
/// `KUBERNETES_EXEC_INFO` (an `ExecCredential` whose `spec` says it is not interactive and,
/// when `provideClusterInfo` is set, describes the cluster) and prints an `ExecCredential`
/// whose `status` holds a token or a client certificate and key. Flightdeck never gives a
/// plugin the terminal (it owns the screen): stdin is `/dev/null`.
///
/// A plugin that fails or takes longer than `timeout` (10 s) becomes a one-line error
/// carrying the first line of its stderr, redacted and made terminal-safe: plugins print
/// URLs and sometimes tokens there.
///
/// Only a `ClusterConnection` made by `KubeconfigLoader` carries an `execPlugin`, and the
/// loader puts one there only when `FlightdeckConfig` allows the command.
///
/// Thread-safe: concurrent callers wait for one run of the plugin rather than each
/// starting their own. Async callers wait without holding a thread: the plugin runs (and is
/// waited for) on a thread of its own.
public final class ExecCredentialProvider: @unchecked Sendable {
    public let spec: ExecPluginSpec
    public let userName: String
    /// The kubeconfig that named the plugin, for messages.
    public let origin: String
    public let timeout: TimeInterval

    private let environment: [String: String]
    private let clusterInfo: JSONValue?
    private let now: @Sendable () -> Date
    private let lock = NSLock()
    private var cached: ExecCredential?
    /// Async callers waiting for the run in progress; `nil` when none runs.
    private var waiting: [CheckedContinuation<Result<ExecCredential, KubeconfigError>, Never>]?

    /// `nil` when the connection has no exec plugin. `environment` is the base environment
    /// the plugin inherits (kubectl passes its own), before the spec's `env` entries.
    public init?(
        connection: ClusterConnection, environment: [String: String],
        timeout: TimeInterval = 10, now: @escaping @Sendable () -> Date = { Date() }
    ) {
        guard let spec = connection.execPlugin else { return nil }
        self.spec = spec
        self.userName = connection.userName
        self.origin = connection.userOrigin ?? connection.sourceFiles.first ?? "kubeconfig"
        self.timeout = timeout
        self.environment = environment
        self.now = now
        self.clusterInfo = spec.provideClusterInfo ? ExecCredentialProvider.clusterInfo(connection) : nil
    }

    /// The current credential: the cached one while it has not expired, else a fresh run —
    /// one for all who ask meanwhile, run on a thread of its own.
    public func credential() async throws(KubeconfigError) -> ExecCredential {
        let result = await withCheckedContinuation { (waiter: CheckedContinuation<Result<ExecCredential, KubeconfigError>, Never>) in
            lock.lock()
            if let cached, cached.expiration.map({ now() < $0 }) ?? true {
                lock.unlock()
                waiter.resume(returning: .success(cached))
                return
            }
            if waiting != nil {
                waiting?.append(waiter)
                lock.unlock()
                return
            }
            waiting = [waiter]
            lock.unlock()
            let thread = Thread { [self] in
                let result: Result<ExecCredential, KubeconfigError>
                do throws(KubeconfigError) { result = .success(try run()) } catch { result = .failure(error) }
                lock.lock()
                if case .success(let fresh) = result { cached = fresh }
                let waiters = waiting ?? []
                waiting = nil
                lock.unlock()
                for waiter in waiters { waiter.resume(returning: result) }
            }
            thread.name = "flightdeck.exec-credential"
            thread.start()
        }
        return try result.get()
    }

    /// Forgets the cached credential: call after the server answers 401 with it.
    public func invalidate() {
        lock.lock()
        cached = nil
        lock.unlock()
    }

    // MARK: - The protocol's input

    /// The `KUBERNETES_EXEC_INFO` value for this plugin.
    public var execInfo: String {
        var spec: [JSONValue.Member] = []
        if let clusterInfo { spec.append(.init("cluster", clusterInfo)) }
        spec.append(.init("interactive", .bool(false)))
        return JSONValue.object([
            .init("kind", .string("ExecCredential")),
            .init("apiVersion", .string(self.spec.apiVersion)),
            .init("spec", .object(spec)),
        ]).serialized
    }

    /// `spec.cluster`: what the plugin may need to mint a credential for this cluster.
    static func clusterInfo(_ connection: ClusterConnection) -> JSONValue {
        var members: [JSONValue.Member] = [.init("server", .string(connection.server.absoluteString))]
        if let name = connection.tlsServerName { members.append(.init("tls-server-name", .string(name))) }
        if connection.insecureSkipTLSVerify { members.append(.init("insecure-skip-tls-verify", .bool(true))) }
        if let authority = connection.certificateAuthority {
            members.append(.init("certificate-authority-data", .string(Data(authority).base64EncodedString())))
        }
        if let proxy = connection.proxyURL { members.append(.init("proxy-url", .string(proxy))) }
        return .object(members)
    }

    /// Where a command will be found: itself when it has a `/`, else the first executable
    /// match in `PATH` (from the injected environment).
    public static func lookUp(_ command: String, environment: [String: String]) -> String? {
        if command.contains("/") { return FileManager.default.isExecutableFile(atPath: command) ? command : nil }
        let path = environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":", omittingEmptySubsequences: true) {
            let candidate = PathRules.clean(String(directory) + "/" + command)
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate, isDirectory: &isDirectory), !isDirectory.boolValue,
               FileManager.default.isExecutableFile(atPath: candidate) {
                return candidate
            }
        }
        return nil
    }

    // MARK: - Running

    private func run() throws(KubeconfigError) -> ExecCredential {
        let name = "exec plugin '\(spec.command)' for user \(userName)"
        guard let executable = ExecCredentialProvider.lookUp(spec.command, environment: environment) else {
            let hint = spec.installHint.map { KubeconfigError.oneLine($0) } ?? "install it or fix the command in the kubeconfig"
            throw KubeconfigError(.execFailed, file: origin, "kubeconfig \(origin): \(name) was not found (PATH or path); \(hint)")
        }
        var childEnvironment = environment
        for variable in spec.env { childEnvironment[variable.name] = variable.value }
        childEnvironment["KUBERNETES_EXEC_INFO"] = execInfo

        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = spec.args
        process.environment = childEnvironment
        process.standardInput = FileHandle.nullDevice
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        let exited = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in exited.signal() }

        do {
            try process.run()
        } catch {
            throw KubeconfigError(.execFailed, file: origin, "kubeconfig \(origin): \(name) could not start: \(error.localizedDescription); check that \(executable) is an executable")
        }
        let output = PipeCollector(stdout.fileHandleForReading, limit: 4 * 1024 * 1024)
        let errors = PipeCollector(stderr.fileHandleForReading, limit: 64 * 1024)

        var timedOut = false
        if exited.wait(timeout: .now() + timeout) == .timedOut {
            timedOut = true
            process.terminate()
            if exited.wait(timeout: .now() + 1) == .timedOut {
                kill(process.processIdentifier, SIGKILL)
                _ = exited.wait(timeout: .now() + 1)
            }
        }
        // A grandchild may hold the pipes open; do not wait on it for ever.
        let outBytes = output.finish(waitingAtMost: 1)
        let errBytes = errors.finish(waitingAtMost: 1)
        let stderrLine = ExecCredentialProvider.firstLine(errBytes)
        let detail = stderrLine.map { ": \($0)" } ?? ""

        if timedOut {
            throw KubeconfigError(.execFailed, file: origin, "kubeconfig \(origin): \(name) timed out after \(Int(timeout)) s\(detail); run it by hand to see what it waits for")
        }
        if process.terminationReason == .uncaughtSignal {
            throw KubeconfigError(.execFailed, file: origin, "kubeconfig \(origin): \(name) was killed by signal \(process.terminationStatus)\(detail)")
        }
        if process.terminationStatus != 0 {
            throw KubeconfigError(.execFailed, file: origin, "kubeconfig \(origin): \(name) exited with status \(process.terminationStatus)\(detail); run it by hand to see why")
        }
        do {
            return try ExecCredential.parse(outBytes, expectedAPIVersion: spec.apiVersion)
        } catch {
            throw KubeconfigError(.badExecCredential, file: origin, "kubeconfig \(origin): \(name) printed no usable ExecCredential: \(error.reason)")
        }
    }

    /// The first non-blank line of a plugin's stderr, redacted, terminal-safe, and short.
    static func firstLine(_ bytes: [UInt8]) -> String? {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let line = text.split(whereSeparator: \.isNewline)
            .map({ $0.trimmingCharacters(in: .whitespaces) })
            .first(where: { !$0.isEmpty }) else { return nil }
        let safe = TerminalSanitizer.sanitize(SecretRedactor().redact(line))
        return safe.count > 200 ? String(safe.prefix(200)) + "…" : safe
    }
}

/// Drains one pipe on a background thread (so a chatty plugin never blocks on a full pipe),
/// keeping at most `limit` bytes.
private final class PipeCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var bytes: [UInt8] = []
    private let done = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle, limit: Int) {
        Thread.detachNewThread { [self] in
            // read(2) itself: `availableData` traps on a read error, and `read(upToCount:)`
            // holds what arrived until the count is reached.
            var chunk = [UInt8](repeating: 0, count: 65_536)
            while true {
                let count = chunk.withUnsafeMutableBytes { read(handle.fileDescriptor, $0.baseAddress, $0.count) }
                if count < 0, errno == EINTR { continue }
                guard count > 0 else { break }
                lock.lock()
                if bytes.count < limit { bytes.append(contentsOf: chunk[..<min(count, limit - bytes.count)]) }
                lock.unlock()
            }
            done.signal()
        }
    }

    /// What was read, once the pipe closed or `seconds` passed.
    func finish(waitingAtMost seconds: TimeInterval) -> [UInt8] {
        _ = done.wait(timeout: .now() + seconds)
        lock.lock()
        defer { lock.unlock() }
        return bytes
    }
}
