import AgentManifests
import FlightdeckCore
import Foundation
import KubeClient
import KubeModel
import NATSClient
import Orchestrator

/// The checks `flightdeck doctor` makes of the cluster: the kubeconfig, the API server, who
/// we are there and what we may do, and what the agents' namespace needs (local-path storage,
/// PodSecurity labels, NetworkPolicies, the egress proxy and NATS).
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

    public init(connection: Result<ClusterConnection, KubeconfigError>, explicit: Bool, configPath: String,
        settings: @escaping @Sendable (_ namespace: String) throws -> ClusterSettings)
    {
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
        }
        return checks
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
            checks.append(await Self.nats(url: url))
        } else {
            checks.append(await Self.deployment("nats", api: api, namespace: namespace, name: "nats",
                what: "NATS: the trace falls back to pod logs"))
        }
        return checks
    }

    /// An external NATS server answers.
    public static func nats(url: String) async -> DoctorCheck {
        guard let address = NATSServerAddress(url: url) else {
            return DoctorCheck(name: "nats", ok: false, required: false, detail: "not a NATS URL: \(url)")
        }
        let connection = NATSConnection(options: .init(servers: [address], name: "flightdeck-doctor"))
        let check: DoctorCheck
        do {
            try await connection.connect(timeout: .seconds(3))
            check = DoctorCheck(name: "nats", ok: true, required: false, detail: "\(address) answers")
        } catch {
            check = DoctorCheck(name: "nats", ok: false, required: false, detail: "\(address): \(error) (the trace falls back to pod logs)")
        }
        await connection.close()
        return check
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
