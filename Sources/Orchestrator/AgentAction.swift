import KubeModel

/// What an operator can do to an agent, and what each needs from the API (checked at
/// start with SelfSubjectAccessReviews, so an action the identity may not take shows as
/// unavailable instead of failing later).
public enum AgentAction: String, Sendable, Hashable, CaseIterable {
    /// Start a new task.
    case submit
    /// Ask the agent to stop (`cmd.agent.<id>` cancel), then delete its Job after a grace period.
    case cancel
    /// Delete the Job with Background propagation: its pods, claim and Secret go too.
    case delete
    /// Keep a finished Job for debugging: drop `ttlSecondsAfterFinished`.
    case pin
    /// A new Job for the same task that restores the workspace from the last snapshot.
    case retry
    /// Pause, resume or instruct the running agent (`cmd.agent.<id>`); needs no API rights.
    case steer

    /// Whether the action changes the cluster (refused in read-only mode).
    public var mutates: Bool { self != .steer }

    /// The API permissions the action uses, as (verb, type) pairs.
    public var requiredAccess: [(verb: String, type: ResourceType)] {
        switch self {
        case .submit, .retry:
            [("create", .jobs), ("patch", .jobs), ("delete", .jobs), ("create", .persistentVolumeClaims),
                ("create", .secrets)]
        case .cancel, .delete: [("delete", .jobs)]
        case .pin: [("patch", .jobs)]
        case .steer: []
        }
    }
}
