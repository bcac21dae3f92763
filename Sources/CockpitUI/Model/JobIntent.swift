import FlightdeckCore

/// What the operator asked to be done to a job, by its name; the orchestrator carries it out
/// and answers with `actionFinished` or `actionFailed`.
public enum JobIntent: Sendable, Hashable {
    case delete(job: String)
    /// Keep the job's history whatever the retention (it is not pruned).
    case pin(job: String)
    case cancel(job: String)
    /// Submit the job's task again.
    case retry(job: String)
    /// Publish an operator command to the agent (`pause`, `resume`, `instruct`).
    case steer(job: String, OperatorCommand)

    public var kind: JobIntentKind {
        switch self {
        case .delete: .delete
        case .pin: .pin
        case .cancel: .cancel
        case .retry: .retry
        case .steer: .steer
        }
    }

    public var jobName: String {
        switch self {
        case .delete(let job), .pin(let job), .cancel(let job), .retry(let job), .steer(let job, _): job
        }
    }

    /// Destructive intents are confirmed first.
    public var isDestructive: Bool { kind == .delete || kind == .cancel }
}
