import FlightdeckCore
import KubeModel

/// The Kueue objects `flightdeck install` adds when the cluster runs Kueue and the config has
/// `queues:`: Kueue then admits agent Jobs by the same limits and quotas Flightdeck's own
/// admitter would apply, and Flightdeck never unsuspends a Job itself.
///
/// - one ResourceFlavor `flightdeck` (no node labels: every node may run agents);
/// - three WorkloadPriorityClasses `flightdeck-high|normal|low` (300/200/100), the names
///   submit's `kueue.x-k8s.io/priority-class` label uses;
/// - per queue, a ClusterQueue `flightdeck-<queue>` (StrictFIFO: priority first, then age,
///   never jumping a head that does not fit — Flightdeck's own admitter's order) with one
///   resource group covering `pods` (the queue's `limit`), `cpu` and `memory` (its quotas),
///   admitting only the agents' namespace; and a LocalQueue `<queue>` in that namespace
///   pointing at it — the name submit's `kueue.x-k8s.io/queue-name` label carries.
///
/// Why a quota the queue does not set is not left out but set very large: Kueue refuses a
/// Workload that requests a resource its ClusterQueue does not cover ("resource cpu
/// unavailable in ClusterQueue"), and every agent pod requests cpu and memory.
extension InstallManifests {
    public static let kueueAPIVersion = "kueue.x-k8s.io/v1beta1"
    public static let kueueFlavorName = "flightdeck"
    /// Standing in for "no quota" (see above): more than any single-node cluster has.
    public static let kueueUnlimitedCPU = "100000"
    public static let kueueUnlimitedMemory = "1Pi"
    /// A queue without `limit` (not reachable from a config, which requires one).
    public static let kueueUnlimitedPods = "100000"

    /// The value of each priority's WorkloadPriorityClass.
    public static func kueuePriorityValue(_ priority: TaskPriority) -> Int {
        switch priority {
        case .high: 300
        case .normal: 200
        case .low: 100
        }
    }

    /// `flightdeck-<queue>`: the ClusterQueue of a configured queue.
    public static func kueueClusterQueueName(_ queue: String) -> String { "flightdeck-\(queue)" }

    /// The Kueue objects for `queues`, in apply order; empty when no queues are configured
    /// (then every task starts at once and Kueue has nothing to admit).
    public static func kueue(_ queues: QueueConfiguration, settings: ClusterSettings) -> [JSONValue] {
        guard queues.isConfigured else { return [] }
        var objects: [JSONValue] = [kueueResourceFlavor()]
        for priority in [TaskPriority.high, .normal, .low] { objects.append(kueuePriorityClass(priority)) }
        for queue in queues.queues {
            objects.append(kueueClusterQueue(queue, settings: settings))
            objects.append(kueueLocalQueue(queue, settings: settings))
        }
        return objects
    }

    static func kueueResourceFlavor() -> JSONValue {
        ManifestJSON.object(kueueAPIVersion, "ResourceFlavor",
            ManifestJSON.metadata(name: kueueFlavorName, namespace: nil, labels: labels()))
    }

    static func kueuePriorityClass(_ priority: TaskPriority) -> JSONValue {
        ManifestJSON.object(kueueAPIVersion, "WorkloadPriorityClass",
            ManifestJSON.metadata(name: FlightdeckLabels.kueuePriorityClass(priority), namespace: nil, labels: labels()),
            ["value": .integer(Int64(kueuePriorityValue(priority))),
                "description": .string("Flightdeck tasks submitted with --priority \(priority.rawValue)")])
    }

    static func kueueClusterQueue(_ queue: QueueSettings, settings: ClusterSettings) -> JSONValue {
        let resources: [JSONValue] = [
            ["name": "pods", "nominalQuota": .string(queue.limit.map(String.init) ?? kueueUnlimitedPods)],
            ["name": "cpu", "nominalQuota": .string(queue.cpu?.text ?? kueueUnlimitedCPU)],
            ["name": "memory", "nominalQuota": .string(queue.memory?.text ?? kueueUnlimitedMemory)],
        ]
        return ManifestJSON.object(kueueAPIVersion, "ClusterQueue",
            ManifestJSON.metadata(name: kueueClusterQueueName(queue.name), namespace: nil, labels: labels()),
            ["spec": [
                "namespaceSelector": ["matchLabels": ["kubernetes.io/metadata.name": .string(settings.namespace)]],
                "queueingStrategy": "StrictFIFO",
                "resourceGroups": [[
                    "coveredResources": ["pods", "cpu", "memory"],
                    "flavors": [["name": .string(kueueFlavorName), "resources": .array(resources)]],
                ]],
            ]])
    }

    static func kueueLocalQueue(_ queue: QueueSettings, settings: ClusterSettings) -> JSONValue {
        ManifestJSON.object(kueueAPIVersion, "LocalQueue",
            ManifestJSON.metadata(name: queue.name, namespace: settings.namespace, labels: labels()),
            ["spec": ["clusterQueue": .string(kueueClusterQueueName(queue.name))]])
    }
}
