import FlightdeckCore
import Foundation
import KubeClient
import KubeModel
import AgentManifests
import NATSClient
import Orchestrator

extension Flightdeck.Doctor {
    /// The kubeconfig, the API server, who we are there and what we may do, and what the
    /// agents' namespace needs (local-path storage, PodSecurity labels, NetworkPolicies).
    /// Without any kubeconfig this is one warning (the demo needs none); a kubeconfig named
    /// on the command line must work.
    func clusterChecks() async -> [Check] {
        let explicit = cluster.kubeconfig != nil || cluster.context != nil
        let connection: ClusterConnection
        do {
            connection = try KubeconfigLoader.live().load(
                kubeconfig: cluster.kubeconfig, context: cluster.context, namespace: cluster.namespace)
        } catch let error where error.kind == .missingFile && !explicit {
            return [Check(name: "kubeconfig", ok: false, required: false,
                detail: "\(error.description) (`flightdeck demo` needs none)")]
        } catch {
            return [Check(name: "kubeconfig", ok: false, required: true, detail: error.description)]
        }
        var checks = [Check(name: "kubeconfig", ok: connection.warnings.isEmpty, required: false,
            detail: ([connection.sourceFiles.first ?? connection.source.rawValue, "context \(connection.contextName)",
                "namespace \(connection.namespace)"].joined(separator: ", "))
                + connection.warnings.map { "; " + $0 }.joined())]
        let api: KubeAPI
        do {
            api = try KubeAPI(connection: connection)
            let version = try await api.version()
            checks.append(Check(name: "cluster", ok: true, required: true,
                detail: "\(connection.server.absoluteString) (Kubernetes \(version["gitVersion"]?.stringValue ?? "?"))"))
        } catch {
            checks.append(Check(name: "cluster", ok: false, required: true, detail: "\(error)"))
            return checks
        }
        let namespace = connection.namespace

        // Who we are.
        if let review = try? await api.create(.selfSubjectReviews, [
            "apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview",
        ]), let user = review[path: ["status", "userInfo", "username"]]?.stringValue {
            let groups = (review[path: ["status", "userInfo", "groups"]]?.arrayValue ?? []).compactMap(\.stringValue)
                .filter { $0 != "system:authenticated" }
            checks.append(Check(name: "identity", ok: true, required: false,
                detail: user + (groups.isEmpty ? "" : " (groups: \(groups.joined(separator: ", ")))")))
        }

        // What we may do.
        let capabilities = await Capabilities.probe(api: api, namespace: namespace, readOnly: false,
            hasCommandChannel: true)
        for action in AgentAction.allCases where action != .steer {
            let reason = capabilities.unavailable[action]
            checks.append(Check(name: "rbac:\(action.rawValue)", ok: reason == nil, required: false,
                detail: reason.map { "\($0) (the cockpit will show \(action.rawValue) as unavailable)" }
                    ?? "allowed in \(namespace)"))
        }

        // Storage for the workspaces.
        do {
            let storageClass = try await api.get(.storageClasses, name: "local-path")
            let mode = storageClass["volumeBindingMode"]?.stringValue ?? "Immediate"
            checks.append(Check(name: "storage", ok: true, required: false,
                detail: "StorageClass local-path (\(storageClass["provisioner"]?.stringValue ?? "?"), \(mode))"))
        } catch {
            checks.append(Check(name: "storage", ok: false, required: false,
                detail: "no StorageClass local-path: workspaces cannot be provisioned (k3s ships it; is it disabled?)"))
        }

        // The namespace: PodSecurity and NetworkPolicies.
        do {
            let object = try await api.get(.namespaces, name: namespace)
            let enforce = object[path: ["metadata", "labels", "pod-security.kubernetes.io/enforce"]]?.stringValue
            checks.append(Check(name: "podsecurity", ok: enforce == "restricted", required: false,
                detail: enforce == "restricted" ? "namespace \(namespace) enforces restricted"
                    : "namespace \(namespace) enforces \(enforce ?? "nothing"): run `flightdeck install --apply` to label it restricted"))
            let policies = (try await api.list(.networkPolicies, namespace: namespace)["items"]?.arrayValue ?? [])
                .compactMap { $0[path: ["metadata", "name"]]?.stringValue }
            checks.append(Check(name: "netpol", ok: !policies.isEmpty, required: false,
                detail: policies.isEmpty ? "no NetworkPolicy in \(namespace): agents can reach anything (`flightdeck install --apply`)"
                    : "\(policies.count) in \(namespace): \(policies.sorted().joined(separator: ", "))"))
            checks += await serviceChecks(api: api, namespace: namespace)
        } catch let error as APIError where error.code == 404 {
            checks.append(Check(name: "namespace", ok: false, required: false,
                detail: "namespace \(namespace) does not exist: run `flightdeck install --apply`"))
        } catch {
            checks.append(Check(name: "namespace", ok: false, required: false, detail: "\(error)"))
        }
        return checks
    }

    /// The egress proxy and NATS: an external one must accept a connection; an in-cluster
    /// one must be deployed and ready.
    func serviceChecks(api: KubeAPI, namespace: String) async -> [Check] {
        guard let config = try? settings.load(namespace: namespace) else {
            return [Check(name: "config", ok: false, required: false,
                detail: "cannot read Flightdeck's config at \(settings.configPath)")]
        }
        var checks: [Check] = []
        let cluster = config.settings
        if let host = cluster.egressProxy.host {
            let reachable = await Self.accepts(host: host, port: cluster.egressProxy.port)
            checks.append(Check(name: "proxy", ok: reachable, required: false,
                detail: reachable ? "\(host):\(cluster.egressProxy.port) accepts connections"
                    : "\(host):\(cluster.egressProxy.port) does not accept connections: agents cannot reach the internet"))
        } else {
            checks.append(await deployment("egress-proxy", api: api, namespace: namespace, name: "proxy",
                what: "the egress proxy: agents cannot reach the internet"))
        }
        if let url = cluster.natsURL {
            guard let address = NATSServerAddress(url: url) else {
                checks.append(Check(name: "nats", ok: false, required: false, detail: "not a NATS URL: \(url)"))
                return checks
            }
            let connection = NATSConnection(options: .init(servers: [address], name: "flightdeck-doctor"))
            do {
                try await connection.connect(timeout: .seconds(3))
                checks.append(Check(name: "nats", ok: true, required: false, detail: "\(address) answers"))
            } catch {
                checks.append(Check(name: "nats", ok: false, required: false,
                    detail: "\(address): \(error) (the trace falls back to pod logs)"))
            }
            await connection.close()
        } else {
            checks.append(await deployment("nats", api: api, namespace: namespace, name: "nats",
                what: "NATS: the trace falls back to pod logs"))
        }
        return checks
    }

    private func deployment(_ deployment: String, api: KubeAPI, namespace: String, name: String, what: String) async
        -> Check
    {
        guard let object = try? await api.get(.deployments, namespace: namespace, name: deployment) else {
            return Check(name: name, ok: false, required: false,
                detail: "no deployment \(deployment) in \(namespace) (`flightdeck install --apply`): \(what)")
        }
        let ready = object[path: ["status", "readyReplicas"]]?.int64Value ?? 0
        return Check(name: name, ok: ready > 0, required: false,
            detail: ready > 0 ? "deployment \(deployment) in \(namespace): \(ready) ready"
                : "deployment \(deployment) in \(namespace) has no ready replica yet: \(what)")
    }

    /// Whether a TCP connection to host:port succeeds within 3 s.
    static func accepts(host: String, port: Int) async -> Bool {
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
