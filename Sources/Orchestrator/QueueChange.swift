import AgentManifests
import FlightdeckCore

/// An operator's change to a queued Job: its priority, its queue, or starting it now, ahead
/// of its queue. Each is one merge patch on the Job, so the cockpit's keys and the CLI agree.
public enum QueueChange: Sendable, Hashable {
    case priority(TaskPriority)
    case queue(String)
    case startNow

    /// Why a change cannot be made, as one line.
    public struct Refusal: Error, Sendable, Hashable, CustomStringConvertible {
        public var description: String
    }

    /// The merge patch for a Job waiting under `mode`. `resourceVersion` (the Job's, as read)
    /// makes it conditional: a Job admitted meanwhile answers 409 instead of being changed
    /// after it started.
    public func patch(mode: AdmissionMode, resourceVersion: String?) throws -> JSONValue {
        var labels: JSONValue = .emptyObject
        var patch: JSONValue = .emptyObject
        switch self {
        case .priority(let priority):
            labels.setMember(FlightdeckLabels.priority, .string(priority.rawValue))
            if mode == .kueue {
                labels.setMember(FlightdeckLabels.kueuePriorityClassLabel,
                    .string(FlightdeckLabels.kueuePriorityClass(priority)))
            }
        case .queue(let queue):
            labels.setMember(FlightdeckLabels.queue, .string(queue))
            if mode == .kueue { labels.setMember(FlightdeckLabels.kueueQueueName, .string(queue)) }
        case .startNow:
            guard mode != .kueue else {
                throw Refusal(description: "Kueue admits this Job, not Flightdeck: raise its priority instead")
            }
            labels.setMember(FlightdeckLabels.admission, .string(FlightdeckLabels.admissionStarted))
            patch.setMember("spec", ["suspend": false])
        }
        var metadata: JSONValue = ["labels": labels]
        if let resourceVersion { metadata.setMember("resourceVersion", .string(resourceVersion)) }
        patch.setMember("metadata", metadata)
        return patch
    }
}
