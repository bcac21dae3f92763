import FlightdeckCore
import KubeModel

/// The cluster bootstrap `flightdeck install` prints or applies: everything agents need that
/// outlives any one task.
///
/// In apply order (each object's dependencies come before it):
/// 1. the Namespace, PodSecurity `restricted` enforced, audited and warned;
/// 2. ServiceAccounts `agent` (no token) and `orchestrator`, and the orchestrator's Role and
///    RoleBinding;
/// 3. the Vector ConfigMap the agents' log-shipper sidecars read;
/// 4. the agents' NetworkPolicy (no ingress; egress only to the proxy, DNS, NATS, the object store);
/// 5. the Squid egress proxy (ConfigMap, Deployment, Service, NetworkPolicy), unless an
///    external proxy is configured;
/// 6. NATS with JetStream on a volume (ConfigMap, PVC, Deployment, Service, NetworkPolicy),
///    unless an external NATS URL is configured.
public enum InstallManifests {
    public static let agentServiceAccount = "agent"
    public static let orchestratorServiceAccount = "orchestrator"

    /// The bundle. `natsAuthorization` is how the in-cluster NATS authorizes clients:
    /// `.jwt(...)` (operator mode, one user per job), or `.insecure`, said explicitly
    /// (`--insecure-nats`). With an external NATS (`cluster.nats.url`) nothing of NATS is
    /// deployed and it is not used: that server's authorization is its owner's.
    public static func all(_ settings: ClusterSettings, natsAuthorization: NATSAuthorization) -> [JSONValue] {
        var objects: [JSONValue] = [
            namespace(settings),
            serviceAccount(agentServiceAccount, settings: settings),
            serviceAccount(orchestratorServiceAccount, settings: settings),
            orchestratorRole(settings),
            orchestratorRoleBinding(settings),
            logShipperConfigMap(settings),
            agentNetworkPolicy(settings),
        ]
        if settings.egressProxy.host == nil {
            objects += [proxyConfigMap(settings), proxyDeployment(settings), proxyService(settings), proxyNetworkPolicy(settings)]
        }
        if settings.deploysNATS {
            objects += [natsConfigMap(settings, authorization: natsAuthorization), natsClaim(settings),
                natsDeployment(settings, authorization: natsAuthorization), natsService(settings), natsNetworkPolicy(settings)]
        }
        return objects
    }

    /// Labels of a bundle object; `component` also selects its pods.
    static func labels(_ component: String? = nil) -> [String: String] {
        var labels = [FlightdeckLabels.managedBy: FlightdeckLabels.managedByValue]
        if let component {
            labels[FlightdeckLabels.component] = component
            labels[FlightdeckLabels.name] = component
        }
        return labels
    }

    // MARK: - Namespace and identities

    /// The namespace, with the `restricted` Pod Security Standard enforced: a pod that asks for
    /// root, privilege escalation, capabilities or host access is refused by the API server,
    /// whatever wrote it.
    static func namespace(_ settings: ClusterSettings) -> JSONValue {
        var labels = labels()
        for mode in ["enforce", "audit", "warn"] { labels["pod-security.kubernetes.io/\(mode)"] = "restricted" }
        return ManifestJSON.object("v1", "Namespace", ManifestJSON.metadata(name: settings.namespace, namespace: nil, labels: labels))
    }

    /// Agents get no API token at all (`automountServiceAccountToken: false`, here and in the pod).
    static func serviceAccount(_ name: String, settings: ClusterSettings) -> JSONValue {
        ManifestJSON.object("v1", "ServiceAccount",
            ManifestJSON.metadata(name: name, namespace: settings.namespace, labels: labels()),
            ["automountServiceAccountToken": false])
    }

    /// What the orchestrator does and nothing more: manage Jobs and workspace claims, create and
    /// delete task Secrets (never read them: a leaked orchestrator token must not leak every
    /// task's keys), read pods, logs and events, and hold the admission Lease. No `exec`, no
    /// wildcard.
    static func orchestratorRole(_ settings: ClusterSettings) -> JSONValue {
        let manage: JSONValue = ["create", "delete", "get", "list", "patch", "watch"]
        let read: JSONValue = ["get", "list", "watch"]
        return ManifestJSON.object("rbac.authorization.k8s.io/v1", "Role",
            ManifestJSON.metadata(name: "flightdeck-orchestrator", namespace: settings.namespace, labels: labels()),
            [
                "rules": [
                    ["apiGroups": ["batch"], "resources": ["jobs"], "verbs": manage],
                    ["apiGroups": [""], "resources": ["persistentvolumeclaims"], "verbs": manage],
                    ["apiGroups": [""], "resources": ["secrets"], "verbs": ["create", "delete"]],
                    ["apiGroups": [""], "resources": ["pods", "pods/log"], "verbs": read],
                    ["apiGroups": [""], "resources": ["events"], "verbs": read],
                    ["apiGroups": ["events.k8s.io"], "resources": ["events"], "verbs": read],
                    // The admission Lease: one keeper at a time starts queued Jobs.
                    ["apiGroups": ["coordination.k8s.io"], "resources": ["leases"],
                        "verbs": ["create", "get", "list", "update", "watch"]],
                    ["apiGroups": ["kueue.x-k8s.io"], "resources": ["workloads", "localqueues"], "verbs": read],
                ],
            ])
    }

    static func orchestratorRoleBinding(_ settings: ClusterSettings) -> JSONValue {
        ManifestJSON.object("rbac.authorization.k8s.io/v1", "RoleBinding",
            ManifestJSON.metadata(name: "flightdeck-orchestrator", namespace: settings.namespace, labels: labels()),
            [
                "roleRef": ["apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "flightdeck-orchestrator"],
                "subjects": [["kind": "ServiceAccount", "name": .string(orchestratorServiceAccount),
                    "namespace": .string(settings.namespace)]],
            ])
    }
}
