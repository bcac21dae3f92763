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
    /// Give the queued job this priority in its queue.
    case prioritize(job: String, TaskPriority)
    /// Put the queued job in another queue.
    case move(job: String, queue: String)
    /// Start the queued job now, ahead of its queue (Flightdeck's admission only).
    case startNow(job: String)

    public var kind: JobIntentKind {
        switch self {
        case .delete: .delete
        case .pin: .pin
        case .cancel: .cancel
        case .retry: .retry
        case .steer: .steer
        case .prioritize: .prioritize
        case .move: .move
        case .startNow: .startNow
        }
    }

    public var jobName: String {
        switch self {
        case .delete(let job), .pin(let job), .cancel(let job), .retry(let job), .steer(let job, _),
            .prioritize(let job, _), .move(let job, _), .startNow(let job):
            job
        }
    }

    /// Destructive intents are confirmed first.
    public var isDestructive: Bool { kind == .delete || kind == .cancel }

    /// What the status bar says while it is carried out.
    public var sentText: String {
        switch self {
        case .prioritize(let job, let priority): "priority \(priority.rawValue) for \(job): sent"
        case .move(let job, let queue): "move \(job) to queue \(queue): sent"
        case .startNow(let job): "start \(job) now: sent"
        default: "\(kind.rawValue) \(jobName): sent"
        }
    }
}
