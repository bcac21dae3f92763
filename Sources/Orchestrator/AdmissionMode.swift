import AgentManifests
import FlightdeckCore

/// Who starts a submitted agent Job, which decides the last step of a submission.
///
/// - `immediate`: the config has no `queues:` section; submit starts the Job itself, as before
///   queues existed.
/// - `flightdeck`: Flightdeck's own admission; submit leaves the Job suspended and labelled
///   `flightdeck.dev/admission=queued`, and the keeper holding the admission Lease starts it
///   (`Admitter`).
/// - `kueue`: the cluster runs Kueue; submit adds Kueue's queue-name and priority-class labels
///   as well, and Kueue admits (unsuspends) the Job. Flightdeck never unsuspends it.
///
/// Why the labels are added at the end of the submission and not at creation: a Job must not
/// be admitted before its workspace claim and Secret exist; created unlabelled, it is invisible
/// to both admitters until then.
public enum AdmissionMode: String, Sendable, Hashable {
    case immediate
    case flightdeck
    case kueue

    /// The mode for a config: no queues → `immediate`; queues → Kueue when the cluster has it.
    public init(queues: QueueConfiguration, clusterHasKueue: Bool) {
        if !queues.isConfigured {
            self = .immediate
        } else {
            self = clusterHasKueue ? .kueue : .flightdeck
        }
    }

    /// The merge patch that ends the submission of a Job waiting in `queue` with `priority`.
    public func enqueuePatch(queue: String, priority: TaskPriority) -> JSONValue {
        switch self {
        case .immediate:
            return ["spec": ["suspend": false]]
        case .flightdeck:
            return ["metadata": ["labels": [FlightdeckLabels.admission: .string(FlightdeckLabels.admissionQueued)]]]
        case .kueue:
            return ["metadata": ["labels": [
                FlightdeckLabels.admission: .string(FlightdeckLabels.admissionQueued),
                FlightdeckLabels.kueueQueueName: .string(queue),
                FlightdeckLabels.kueuePriorityClassLabel: .string(FlightdeckLabels.kueuePriorityClass(priority)),
            ]]]
        }
    }
}
