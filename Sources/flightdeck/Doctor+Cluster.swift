import FlightdeckCore
import Foundation
import KubeClient
import KubeModel
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
        } catch let error as APIError where error.code == 404 {
            checks.append(Check(name: "namespace", ok: false, required: false,
                detail: "namespace \(namespace) does not exist: run `flightdeck install --apply`"))
        } catch {
            checks.append(Check(name: "namespace", ok: false, required: false, detail: "\(error)"))
        }
        return checks
    }
}
