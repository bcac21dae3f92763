import FlightdeckCore
import KubeModel

/// The objects one task needs, ready to create: the Job (asked for suspended or not), and
/// the workspace claim and task Secret made for a given owner (the Job, once its uid is
/// known).
public struct SubmitPlan: Sendable {
    public var namespace: String
    public var jobName: String
    /// The task's uuid (its idempotency key), labelled on the Job.
    public var taskUUID: String
    public var job: @Sendable (_ suspended: Bool) -> JSONValue
    public var claim: @Sendable (_ owner: OwnerReference) -> JSONValue
    /// `nil` when the task has no secret files.
    public var secret: (@Sendable (_ owner: OwnerReference) -> JSONValue)?

    public init(namespace: String, jobName: String, taskUUID: String, job: @escaping @Sendable (Bool) -> JSONValue,
        claim: @escaping @Sendable (OwnerReference) -> JSONValue, secret: (@Sendable (OwnerReference) -> JSONValue)?)
    {
        self.namespace = namespace
        self.jobName = jobName
        self.taskUUID = taskUUID
        self.job = job
        self.claim = claim
        self.secret = secret
    }
}

/// The steps of a submission, in order (named for progress output and fault injection).
public enum SubmitStep: String, Sendable, Hashable, CaseIterable {
    case createJob = "create the Job (suspended)"
    case createClaim = "create the workspace claim"
    case createSecret = "create the task Secret"
    case unsuspend = "start the Job"
}

/// What a submission did.
public enum SubmitOutcome: Sendable, Hashable {
    /// Created and started.
    case started(uid: String)
    /// A previous run of the same task had stopped halfway; this one finished it.
    case resumed(uid: String)
    /// The task's Job was already running: nothing to do.
    case alreadyRunning(uid: String)
}
