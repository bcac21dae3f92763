import AgentManifests
import FlightdeckCore
import Foundation
import KubeClient
import KubeModel
import NATSAuth
import NATSClient
import Orchestrator

/// The checks `flightdeck doctor` makes of the cluster: the kubeconfig, the API server, who
/// we are there and what we may do, and what the agents' namespace needs (local-path storage,
/// PodSecurity labels, NetworkPolicies, the egress proxy and NATS — an external NATS server
/// checked as the bus the operator's tools and the agents use, `bus(url:settings:)`).
///
/// Without any kubeconfig this is one warning (the demo needs none); a kubeconfig named on
/// the command line must work.
public struct ClusterChecks: Sendable {
    /// The connection as the command's kubeconfig flags resolve it, or why they do not.
    public var connection: Result<ClusterConnection, KubeconfigError>
    /// Whether `--kubeconfig` or `--context` named it.
    public var explicit: Bool
    /// The cluster settings (proxy, NATS) for a namespace, from Flightdeck's config and flags.
    public var settings: @Sendable (_ namespace: String) throws -> ClusterSettings
    /// Where that config is, for the line saying it cannot be read.
    public var configPath: String
    /// The config's task queues (for the admission check).
    public var queues: @Sendable () throws -> QueueConfiguration

    public init(connection: Result<ClusterConnection, KubeconfigError>, explicit: Bool, configPath: String,
        queues: @escaping @Sendable () throws -> QueueConfiguration = { QueueConfiguration() },
        settings: @escaping @Sendable (_ namespace: String) throws -> ClusterSettings)
    {
        self.queues = queues
        self.connection = connection
        self.explicit = explicit
        self.configPath = configPath
        self.settings = settings
    }

    /// Every check, in the order printed; those that need the API stop where it cannot be reached.
    public func run() async -> [DoctorCheck] {
        var checks = [Self.kubeconfig(connection, explicit: explicit)]
        guard case .success(let connection) = connection else { return checks }
        let api: KubeAPI
        do {
            api = KubeAPI(connection: connection)
            let version = try await api.version()
            checks.append(DoctorCheck(name: "cluster", ok: true, required: true,
                detail: "\(connection.server.absoluteString) (Kubernetes \(version["gitVersion"]?.stringValue ?? "?"))"))
        } catch {
            checks.append(DoctorCheck(name: "cluster", ok: false, required: true, detail: "\(error)"))
            return checks
        }
        let namespace = connection.namespace
        checks += await Self.access(api: api, namespace: namespace)
        checks.append(await Self.storage(api: api))
        let namespaceChecks = await Self.namespace(api: api, namespace: namespace)
        checks += namespaceChecks
        // The services live in the namespace: not looked for when it is not there.
        if !namespaceChecks.contains(where: { $0.name == "namespace" }) {
            checks += await services(api: api, namespace: namespace)
            if let queues = try? queues(), let admission = await Self.admission(api: api, namespace: namespace, queues: queues) {
                checks.append(admission)
            }
        }
        return checks
    }

    /// With queues configured: who admits queued tasks — Kueue (and whether it has a LocalQueue
    /// for every queue) or the keeper holding the admission Lease — and a warning when nothing
    /// does, since queued tasks then wait for good. `nil` without queues.
    public static func admission(api: KubeAPI, namespace: String, queues: QueueConfiguration) async -> DoctorCheck? {
        guard queues.isConfigured else { return nil }
        let report: QueueReport
        do {
            report = try await QueueListing.report(api: api, namespace: namespace, queues: queues, history: nil)
        } catch {
            return DoctorCheck(name: "admission", ok: false, required: false, detail: "cannot read the queues: \(error)")
        }
        let waiting = report.waiting.count
        let inLine = waiting == 0 ? "nothing waits" : "\(waiting) waiting"
        switch report.mode {
        case .immediate:
            return nil
        case .kueue:
            let present = Set((try? await api.list(.localQueues, namespace: namespace))?["items"]?.arrayValue?
                .compactMap { $0[path: ["metadata", "name"]]?.stringValue } ?? [])
            let missing = queues.queues.map(\.name).filter { !present.contains($0) }
            guard missing.isEmpty else {
                return DoctorCheck(name: "admission", ok: false, required: false,
                    detail: "Kueue admits, but has no LocalQueue \(missing.joined(separator: ", ")) in \(namespace): "
                        + "their tasks wait for good (`flightdeck install --apply` makes them)")
            }
            return DoctorCheck(name: "admission", ok: true, required: false, detail: "Kueue admits queued tasks; \(inLine)")
        case .flightdeck:
            guard let holder = report.admitter else {
                return DoctorCheck(name: "admission", ok: false, required: false,
                    detail: "no keeper holds the lease \(Admitter.leaseName): queued tasks wait until `flightdeck record` runs; \(inLine)")
            }
            return DoctorCheck(name: "admission", ok: true, required: false,
                detail: "the keeper \(TerminalText.line(holder)) admits queued tasks; \(inLine)")
        }
    }

    /// Where the connection comes from, and its warnings; a kubeconfig that cannot be used
    /// fails — unless none exists and none was named.
    public static func kubeconfig(_ connection: Result<ClusterConnection, KubeconfigError>, explicit: Bool) -> DoctorCheck {
        switch connection {
        case .failure(let error) where error.kind == .missingFile && !explicit:
            DoctorCheck(name: "kubeconfig", ok: false, required: false, detail: "\(error.description) (`flightdeck demo` needs none)")
        case .failure(let error):
            DoctorCheck(name: "kubeconfig", ok: false, required: true, detail: error.description)
        case .success(let connection):
            DoctorCheck(name: "kubeconfig", ok: connection.warnings.isEmpty, required: false,
                detail: ([connection.sourceFiles.first ?? connection.source.rawValue, "context \(connection.contextName)",
                    "namespace \(connection.namespace)"].joined(separator: ", "))
                    + connection.warnings.map { "; " + $0 }.joined())
        }
    }

    /// Who we are (when the server says), and each action the cockpit offers that RBAC allows.
    public static func access(api: KubeAPI, namespace: String) async -> [DoctorCheck] {
        var checks: [DoctorCheck] = []
        if let review = try? await api.create(.selfSubjectReviews, [
            "apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview",
        ]), let user = review[path: ["status", "userInfo", "username"]]?.stringValue {
            let groups = (review[path: ["status", "userInfo", "groups"]]?.arrayValue ?? []).compactMap(\.stringValue)
                .filter { $0 != "system:authenticated" }
            checks.append(DoctorCheck(name: "identity", ok: true, required: false,
                detail: user + (groups.isEmpty ? "" : " (groups: \(groups.joined(separator: ", ")))")))
        }
        let capabilities = await Capabilities.probe(api: api, namespace: namespace, readOnly: false, hasCommandChannel: true)
        for action in AgentAction.allCases where action != .steer {
            let reason = capabilities.unavailable[action]
            checks.append(DoctorCheck(name: "rbac:\(action.rawValue)", ok: reason == nil, required: false,
                detail: reason.map { "\($0) (the cockpit will show \(action.rawValue) as unavailable)" }
                    ?? "allowed in \(namespace)"))
        }
        return checks
    }

    /// Storage for the workspaces: k3s's local-path StorageClass.
    public static func storage(api: KubeAPI) async -> DoctorCheck {
        do {
            let storageClass = try await api.get(.storageClasses, name: "local-path")
            let mode = storageClass["volumeBindingMode"]?.stringValue ?? "Immediate"
            return DoctorCheck(name: "storage", ok: true, required: false,
                detail: "StorageClass local-path (\(storageClass["provisioner"]?.stringValue ?? "?"), \(mode))")
        } catch {
            return DoctorCheck(name: "storage", ok: false, required: false,
                detail: "no StorageClass local-path: workspaces cannot be provisioned (k3s ships it; is it disabled?)")
        }
    }

    /// The agents' namespace: labelled to enforce the restricted PodSecurity standard, and
    /// with NetworkPolicies; a `namespace` check says when it is missing or cannot be read.
    public static func namespace(api: KubeAPI, namespace: String) async -> [DoctorCheck] {
        var checks: [DoctorCheck] = []
        do {
            let object = try await api.get(.namespaces, name: namespace)
            let enforce = object[path: ["metadata", "labels", "pod-security.kubernetes.io/enforce"]]?.stringValue
            checks.append(DoctorCheck(name: "podsecurity", ok: enforce == "restricted", required: false,
                detail: enforce == "restricted" ? "namespace \(namespace) enforces restricted"
                    : "namespace \(namespace) enforces \(enforce ?? "nothing"): run `flightdeck install --apply` to label it restricted"))
            let policies = (try await api.list(.networkPolicies, namespace: namespace)["items"]?.arrayValue ?? [])
                .compactMap { $0[path: ["metadata", "name"]]?.stringValue }
            checks.append(DoctorCheck(name: "netpol", ok: !policies.isEmpty, required: false,
                detail: policies.isEmpty ? "no NetworkPolicy in \(namespace): agents can reach anything (`flightdeck install --apply`)"
                    : "\(policies.count) in \(namespace): \(policies.sorted().joined(separator: ", "))"))
        } catch let error as APIError where error.code == 404 {
            checks.append(DoctorCheck(name: "namespace", ok: false, required: false,
                detail: "namespace \(namespace) does not exist: run `flightdeck install --apply`"))
        } catch {
            checks.append(DoctorCheck(name: "namespace", ok: false, required: false, detail: "\(error)"))
        }
        return checks
    }

    /// The egress proxy and NATS: an external one must accept a connection; an in-cluster
    /// one must be deployed and ready.
    public func services(api: KubeAPI, namespace: String) async -> [DoctorCheck] {
        guard let cluster = try? settings(namespace) else {
            return [DoctorCheck(name: "config", ok: false, required: false, detail: "cannot read Flightdeck's config at \(configPath)")]
        }
        var checks: [DoctorCheck] = []
        if let host = cluster.egressProxy.host {
            let port = cluster.egressProxy.port
            let reachable = await Self.accepts(host: host, port: port)
            checks.append(DoctorCheck(name: "proxy", ok: reachable, required: false,
                detail: reachable ? "\(host):\(port) accepts connections"
                    : "\(host):\(port) does not accept connections: agents cannot reach the internet"))
        } else {
            checks.append(await Self.deployment("egress-proxy", api: api, namespace: namespace, name: "proxy",
                what: "the egress proxy: agents cannot reach the internet"))
        }
        if let url = cluster.natsURL {
            checks += await Self.bus(url: url, settings: cluster)
        } else {
            checks.append(await Self.deployment("nats", api: api, namespace: namespace, name: "nats",
                what: "NATS: the trace falls back to pod logs"))
        }
        return checks
    }

    /// An in-cluster Deployment exists and has a ready replica; `what` says what is missing without it.
    public static func deployment(_ deployment: String, api: KubeAPI, namespace: String, name: String, what: String) async
        -> DoctorCheck
    {
        guard let object = try? await api.get(.deployments, namespace: namespace, name: deployment) else {
            return DoctorCheck(name: name, ok: false, required: false,
                detail: "no deployment \(deployment) in \(namespace) (`flightdeck install --apply`): \(what)")
        }
        let ready = object[path: ["status", "readyReplicas"]]?.int64Value ?? 0
        return DoctorCheck(name: name, ok: ready > 0, required: false,
            detail: ready > 0 ? "deployment \(deployment) in \(namespace): \(ready) ready"
                : "deployment \(deployment) in \(namespace) has no ready replica yet: \(what)")
    }

    /// Whether a TCP connection to host:port succeeds within 3 s (on a thread of its own:
    /// name resolution and connecting block).
    public static func accepts(host: String, port: Int) async -> Bool {
        await withCheckedContinuation { continuation in
            Thread {
                var hints = addrinfo()
                hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
                var result: UnsafeMutablePointer<addrinfo>?
                guard getaddrinfo(host, String(port), &hints, &result) == 0, let first = result else {
                    continuation.resume(returning: false)
                    return
                }
                defer { freeaddrinfo(result) }
                let fd = socket(first.pointee.ai_family, first.pointee.ai_socktype, first.pointee.ai_protocol)
                defer { close(fd) }
                var timeout = timeval(tv_sec: 3, tv_usec: 0)
                setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
                continuation.resume(returning: connect(fd, first.pointee.ai_addr, first.pointee.ai_addrlen) == 0)
            }.start()
        }
    }
}

// MARK: - The message bus

extension ClusterChecks {
    /// A credentials file expiring sooner than this is a warning.
    public static let credentialsWarning: TimeInterval = 7 * 86_400

    /// An external NATS server as Flightdeck's bus, one line each:
    /// - `nats`: it answers as a NATS server (a warning when not: the trace falls back to pod logs);
    /// - `nats:credentials`: this machine's keys or `.creds` file load (mode, damage) and, for
    ///   a `.creds` file, have not expired (a warning within `credentialsWarning`);
    /// - `nats:auth`: the server is in JWT mode (without it any client reads every agent's
    ///   trace) and accepts those credentials — when it refuses them, whether it does not
    ///   trust the keys at all or only lacks the account's latest JWT;
    /// - `nats:stream`: the trace stream is there (the command stream's presence said too).
    /// Files are read off the cooperative pool, the server's greeting on a thread of its own.
    public static func bus(url: String, settings: ClusterSettings, now: Date = Date()) async -> [DoctorCheck] {
        guard let address = NATSServerAddress(url: url) else {
            return [DoctorCheck(name: "nats", ok: false, required: false, detail: "not a NATS URL: \(url)")]
        }
        let info: JSONValue
        switch await serverInfo(address) {
        case .failure(let problem):
            return [DoctorCheck(name: "nats", ok: false, required: false,
                detail: "\(address): \(problem.description) (the trace falls back to pod logs)")]
        case .success(let greeting):
            info = greeting
        }
        let version = info["version"]?.stringValue.map { "nats-server \(TerminalText.line($0))" } ?? "a NATS server"
        let jetStream = info["jetstream"]?.boolValue == true ? ", JetStream on" : ""
        var checks = [DoctorCheck(name: "nats", ok: true, required: false, detail: "\(address) answers (\(version)\(jetStream))")]

        // Who we are on the bus: without credentials, tools cannot connect to a server in JWT mode.
        let jwtMode = !(info["nonce"]?.stringValue ?? "").isEmpty
        let identity: BusIdentity?
        do {
            identity = try await offThePool { try BusIdentity.load(settings) }
            checks.append(credentials(identity, needed: jwtMode, now: now))
        } catch {
            identity = nil
            checks.append(DoctorCheck(name: "nats:credentials", ok: false, required: true, detail: "\(error)"))
        }
        var usable = identity
        if let expires = identity?.expires, expires <= now { usable = nil }

        // Who the server lets in.
        let connection: NATSConnection?
        if !jwtMode {
            let asks = info["auth_required"]?.boolValue == true
            checks.append(DoctorCheck(name: "nats:auth", ok: false, required: true,
                detail: asks ? "\(address): not in JWT mode (it asks for a password or token): every client that has it can read every agent's trace"
                    : "\(address): not in JWT mode: any client can read every agent's trace"))
            // The streams are still looked at, as any client can.
            connection = await connected(NATSConnection.Options(servers: [address], name: "flightdeck-doctor")).connection
        } else if let usable {
            let attempt = await connected(NATSConnection.Options(servers: [address],
                credentials: usable.proof(name: "flightdeck-doctor"), name: "flightdeck-doctor"))
            connection = attempt.connection
            if let error = attempt.error {
                checks.append(await refusal(error, address: address, identity: usable))
            } else {
                checks.append(DoctorCheck(name: "nats:auth", ok: true, required: false,
                    detail: "\(address): JWT mode; \(usable.describedUser) is accepted"))
            }
        } else {
            connection = nil
            checks.append(DoctorCheck(name: "nats:auth", ok: false, required: false,
                detail: "\(address): JWT mode; not tried without usable credentials (see nats:credentials)"))
        }
        if let connection {
            checks.append(await streams(on: connection, address: address))
            await connection.close()
        }
        return checks
    }

    /// `nats:credentials` for what the settings name (loaded); none is a failure when the
    /// server `needed` them.
    static func credentials(_ identity: BusIdentity?, needed: Bool, now: Date) -> DoctorCheck {
        guard let identity else {
            return DoctorCheck(name: "nats:credentials", ok: false, required: needed,
                detail: "none here: set cluster.nats.keys (the keys `flightdeck install` makes) or cluster.nats.credentials (a .creds file)")
        }
        switch identity.source {
        case .keys(let keys, let path):
            return DoctorCheck(name: "nats:credentials", ok: true, required: false,
                detail: "minted per connection from \(path) (account \(keys.account.publicKey.prefix(12))…, "
                    + "signing key of \(RFC3339.string(from: keys.signingKeys.last!.created)))")
        case .credentials(let credentials, let path):
            let user = "user \(credentials.jwt.name.map { "\"\(TerminalText.line($0))\" " } ?? "")\(credentials.key.publicKey.prefix(12))…"
            guard let expires = credentials.expires else {
                return DoctorCheck(name: "nats:credentials", ok: true, required: false, detail: "\(path): \(user), without expiry")
            }
            let when = RFC3339.string(from: expires)
            if expires <= now {
                return DoctorCheck(name: "nats:credentials", ok: false, required: true,
                    detail: "\(path): \(user) expired at \(when): ask whoever holds the NATS keys for new credentials")
            }
            let left = expires.timeIntervalSince(now)
            if left < credentialsWarning {
                let days = Int(left / 86_400)
                let span = days >= 1 ? "\(days) day\(days == 1 ? "" : "s")" : "\(max(1, Int(left / 3600))) hours"
                return DoctorCheck(name: "nats:credentials", ok: false, required: false,
                    detail: "\(path): \(user) expires at \(when), in \(span): ask whoever holds the NATS keys for new credentials")
            }
            return DoctorCheck(name: "nats:credentials", ok: true, required: false, detail: "\(path): \(user), expires at \(when)")
        }
    }

    /// `nats:auth` when the server refused `identity`: an Authorization Violation says the
    /// server does not trust who signed it. For the keys, a system-account user (signed by the
    /// operator alone) tells whether it trusts the operator but holds an older account JWT.
    static func refusal(_ error: any Error, address: NATSServerAddress, identity: BusIdentity) async -> DoctorCheck {
        let said = "\(error)"
        guard said.lowercased().contains("authorization violation") else {
            return DoctorCheck(name: "nats:auth", ok: false, required: true, detail: "\(address): JWT mode; \(said)")
        }
        switch identity.source {
        case .keys(let keys, let path):
            let system = await connected(NATSConnection.Options(servers: [address], credentials: keys.systemUser().proof,
                name: "flightdeck-doctor"))
            await system.connection?.close()
            if system.error == nil {
                return DoctorCheck(name: "nats:auth", ok: false, required: true,
                    detail: "\(address) trusts the operator of the NATS keys \(path) but refuses the users of its account "
                        + "(Authorization Violation): it has an older account JWT (a rotation it was not told of); "
                        + "run `flightdeck install --apply`")
            }
            return DoctorCheck(name: "nats:auth", ok: false, required: true,
                detail: "\(address) does not trust the NATS keys \(path) (Authorization Violation): it was set up with other keys")
        case .credentials(_, let path):
            return DoctorCheck(name: "nats:auth", ok: false, required: true,
                detail: "\(address) refuses the NATS credentials \(path) (Authorization Violation): "
                    + "their account is not one it trusts, or the user was revoked")
        }
    }

    /// `nats:stream`: the trace stream (required for a kept trace), and the command stream
    /// (made by the first command).
    static func streams(on connection: NATSConnection, address: NATSServerAddress) async -> DoctorCheck {
        let jetStream = JetStream(connection: connection, timeout: .seconds(3))
        let trace: JSONValue?
        let commands: JSONValue?
        do {
            trace = try await jetStream.streamInfo(BusNames.traceStream)
            commands = try await jetStream.streamInfo(BusNames.commandStream)
        } catch NATSError.noResponders {
            return DoctorCheck(name: "nats:stream", ok: false, required: false,
                detail: "\(address): JetStream is not enabled: the trace cannot be kept (run nats-server with -js)")
        } catch {
            return DoctorCheck(name: "nats:stream", ok: false, required: false, detail: "\(address): \(error)")
        }
        let commandPart = commands.map { "\(BusNames.commandStream) holds \(count($0)) waiting" }
            ?? "no \(BusNames.commandStream) yet (fine before the first command)"
        guard let trace else {
            return DoctorCheck(name: "nats:stream", ok: false, required: false,
                detail: "no stream \(BusNames.traceStream) on \(address) yet: the agents' trace is not kept until a cockpit "
                    + "or `flightdeck record` makes it; \(commandPart)")
        }
        let bytes = trace["state"]?["bytes"]?.int64Value ?? 0
        return DoctorCheck(name: "nats:stream", ok: true, required: false,
            detail: "\(BusNames.traceStream) holds \(count(trace)) (\(ByteCountFormatter.string(fromByteCount: bytes, countStyle: .binary))); \(commandPart)")
    }

    private static func count(_ info: JSONValue) -> String {
        let messages = info["state"]?["messages"]?.int64Value ?? 0
        return "\(messages) message\(messages == 1 ? "" : "s")"
    }

    /// A connection made with `options` within 10 s, or why not (closed then). Generous: a
    /// server in JWT mode refuses a user of an account it does not know only after its
    /// resolver gave up looking for it (2 s in Flightdeck's configuration).
    static func connected(_ options: NATSConnection.Options) async -> (connection: NATSConnection?, error: (any Error)?) {
        let connection = NATSConnection(options: options)
        do {
            try await connection.connect(timeout: .seconds(10))
            return (connection, nil)
        } catch {
            await connection.close()
            return (nil, error)
        }
    }

    public struct ProbeFailure: Error, Sendable, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    /// The server's greeting (`INFO {…}`), read over TCP within 3 s on a thread of its own
    /// (name resolution, connecting and reading block), or why there is none.
    public static func serverInfo(_ address: NATSServerAddress) async -> Result<JSONValue, ProbeFailure> {
        await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: readInfo(host: address.host, port: address.port)) }.start()
        }
    }

    private static func readInfo(host: String, port: Int) -> Result<JSONValue, ProbeFailure> {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        let resolved = getaddrinfo(host, String(port), &hints, &result)
        guard resolved == 0, let first = result else {
            return .failure(ProbeFailure("cannot resolve \(host): \(String(cString: gai_strerror(resolved)))"))
        }
        defer { freeaddrinfo(result) }
        var problem = ProbeFailure("cannot connect")
        var next: UnsafeMutablePointer<addrinfo>? = first
        while let entry = next {
            next = entry.pointee.ai_next
            let fd = socket(entry.pointee.ai_family, entry.pointee.ai_socktype, entry.pointee.ai_protocol)
            guard fd >= 0 else {
                problem = ProbeFailure("cannot connect: \(String(cString: strerror(errno)))")
                continue
            }
            defer { close(fd) }
            var timeout = timeval(tv_sec: 3, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            guard connect(fd, entry.pointee.ai_addr, entry.pointee.ai_addrlen) == 0 else {
                problem = ProbeFailure("cannot connect: \(String(cString: strerror(errno)))")
                continue
            }
            return greeting(fd)
        }
        return .failure(problem)
    }

    /// The first line the server sends, as the INFO it should be.
    private static func greeting(_ fd: Int32) -> Result<JSONValue, ProbeFailure> {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !bytes.contains(10), bytes.count < 1 << 16 {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            if count < 0 {
                let timedOut = errno == EAGAIN || errno == EWOULDBLOCK
                return .failure(ProbeFailure(timedOut ? "accepts connections but says nothing within 3 s: not a NATS server?"
                    : "cannot read: \(String(cString: strerror(errno)))"))
            }
            if count == 0 {
                return .failure(ProbeFailure("closed the connection without a greeting: not a NATS server?"))
            }
            bytes += buffer[0..<count]
        }
        let line = bytes.prefix { $0 != 10 && $0 != 13 }
        guard line.starts(with: Array("INFO ".utf8)), let info = try? JSONParser(maxDepth: 32).parse(Array(line.dropFirst(5))),
            info.members != nil
        else {
            return .failure(ProbeFailure("not a NATS server (it said \(TerminalText.line(String(decoding: line.prefix(60), as: UTF8.self)).debugDescription))"))
        }
        return .success(info)
    }
}

extension BusIdentity {
    /// Who this identity connects as, for a line of `doctor`.
    var describedUser: String {
        switch source {
        case .keys: "a user minted from the NATS keys"
        case .credentials(let credentials, _): "user \(credentials.key.publicKey.prefix(12))…"
        }
    }
}
