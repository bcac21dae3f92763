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
    /// Who starts the Job once its claim and Secret exist: the submission itself (`immediate`),
    /// or an admitter it puts the Job in line for (`AdmissionMode`).
    public var admission: AdmissionMode
    /// The merge patch of the last step: unsuspend, or the labels that put it in line.
    public var enqueuePatch: JSONValue

    public init(namespace: String, jobName: String, taskUUID: String, job: @escaping @Sendable (Bool) -> JSONValue,
        claim: @escaping @Sendable (OwnerReference) -> JSONValue, secret: (@Sendable (OwnerReference) -> JSONValue)?,
        admission: AdmissionMode = .immediate, enqueuePatch: JSONValue = ["spec": ["suspend": false]])
    {
        self.admission = admission
        self.enqueuePatch = enqueuePatch
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
    /// Instead of `unsuspend` when an admitter starts the Job (`AdmissionMode`).
    case enqueue = "put the Job in its queue"
}

/// What a submission did.
public enum SubmitOutcome: Sendable, Hashable {
    /// Created and started.
    case started(uid: String)
    /// Created and put in its queue: an admitter starts it (`AdmissionMode`).
    case queued(uid: String)
    /// The task's Job already waits in its queue: nothing to do.
    case alreadyQueued(uid: String)
    /// A previous run of the same task had stopped halfway; this one finished it (started it,
    /// or put it in its queue, as `SubmitPlan.admission` says).
    case resumed(uid: String)
    /// The task's Job was already running: nothing to do.
    case alreadyRunning(uid: String)
}
