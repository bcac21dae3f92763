import Foundation

/// One agent task running (or once run) as a Kubernetes Job.
///
/// `id` is the agent's job id: the value of its `JOB_ID` environment variable and the last
/// token of its NATS subjects (`logs.agent.<id>`). It is stable across pod restarts and
/// retries, unlike pod names, and is known before the Kubernetes `uid` is.
public struct AgentJob: Sendable, Hashable, Codable, Identifiable {
    public var id: String
    /// The Kubernetes object uid, once the Job exists.
    public var uid: String?
    public var name: String
    public var namespace: String
    /// The kubeconfig context (cluster) the Job runs in.
    public var context: String?
    public var taskUUID: String?
    /// The operator's prompt for the task (sanitised and redacted before it gets here).
    public var taskText: String?
    public var image: String?
    public var createdAt: Date?
    public var startedAt: Date?
    public var finishedAt: Date?
    public var status: JobStatus
    /// Failed pods so far, as the Job controller counts them (`status.failed`).
    public var retries: Int
    public var backoffLimit: Int?
    public var node: String?
    /// The workspace PersistentVolumeClaim's name.
    public var pvc: String?
    /// One line saying why the Job is Pending or Failed (scheduling, image pull, ...).
    public var pendingReason: String?
    /// The phase the agent reported last (`STRATEGIC`, `TACTICAL`, ...).
    public var phase: Phase?
    /// When the cluster deleted the Job (TTL, or an operator); its history stays, and
    /// `status` keeps the outcome it had (`deleted` only when it was still running).
    public var deletedAt: Date?
    /// The task as submitted, for a retry (`TaskSpec` JSON: no secret contents).
    public var taskSpec: String?
    /// The task queue it was submitted to (`nil`: submitted before queues, or not by Flightdeck).
    public var queue: String?
    /// Its priority in that queue; `nil` with `queue`.
    public var priority: TaskPriority?
    /// While `queued`: its 1-based place in its queue (`pendingReason` says why it waits).
    public var queuePosition: Int?

    public init(
        id: String, uid: String? = nil, name: String, namespace: String, context: String? = nil,
        taskUUID: String? = nil, taskText: String? = nil, image: String? = nil,
        createdAt: Date? = nil, startedAt: Date? = nil, finishedAt: Date? = nil,
        status: JobStatus = .pending, retries: Int = 0, backoffLimit: Int? = nil,
        node: String? = nil, pvc: String? = nil, pendingReason: String? = nil, phase: Phase? = nil,
        deletedAt: Date? = nil, taskSpec: String? = nil, queue: String? = nil, priority: TaskPriority? = nil,
        queuePosition: Int? = nil
    ) {
        self.id = id
        self.uid = uid
        self.name = name
        self.namespace = namespace
        self.context = context
        self.taskUUID = taskUUID
        self.taskText = taskText
        self.image = image
        self.createdAt = createdAt
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.status = status
        self.retries = retries
        self.backoffLimit = backoffLimit
        self.node = node
        self.pvc = pvc
        self.pendingReason = pendingReason
        self.phase = phase
        self.deletedAt = deletedAt
        self.taskSpec = taskSpec
        self.queue = queue
        self.priority = priority
        self.queuePosition = queuePosition
    }

    /// `true` when every allowed retry has been used.
    public var retriesExhausted: Bool {
        guard let backoffLimit else { return false }
        return retries > backoffLimit
    }

    /// How long the Job ran (or has been running, at `now`).
    public func duration(now: Date) -> TimeInterval? {
        guard let startedAt else { return nil }
        return (finishedAt ?? now).timeIntervalSince(startedAt)
    }
}
