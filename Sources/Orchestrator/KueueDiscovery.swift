import AgentManifests
import FlightdeckCore
import KubeClient
import KubeModel

/// Whether the cluster runs Kueue: its API group `kueue.x-k8s.io/v1beta1` is served with
/// Workloads and LocalQueues (discovery, which every authenticated client may read).
///
/// Why discovery and not a CRD lookup: reading CustomResourceDefinitions needs a cluster-wide
/// permission an operator of one namespace rarely has; discovery answers everyone.
public enum KueueDiscovery {
    /// The group-version path Kueue serves.
    public static let path = "/apis/kueue.x-k8s.io/v1beta1"

    /// `true` when Kueue's types are served, `false` on 404; other errors (an unreachable
    /// server, a refusal) are thrown, so Flightdeck never guesses which admitter starts a Job.
    public static func clusterHasKueue(_ api: KubeAPI) async throws -> Bool {
        let resources: JSONValue
        do {
            resources = try await api.json(APIRequest(method: "GET", path: path))
        } catch let error as APIError where error.code == 404 {
            return false
        }
        let served = Set(resources["resources"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? [])
        return served.contains(ResourceType.workloads.plural) && served.contains(ResourceType.localQueues.plural)
    }

    /// The admission mode for `queues` on the cluster behind `api`; asks only when queues are
    /// configured (without them every task starts at once, whatever the cluster runs).
    public static func mode(_ queues: QueueConfiguration, api: KubeAPI) async throws -> AdmissionMode {
        guard queues.isConfigured else { return .immediate }
        return try await clusterHasKueue(api) ? .kueue : .flightdeck
    }
}
