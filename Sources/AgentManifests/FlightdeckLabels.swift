import FlightdeckCore

/// The label and annotation keys Flightdeck writes, in one place so the manifests, the
/// NetworkPolicies that select by them and the orchestrator that lists by them agree.
///
/// Why both a task label and a job label: the task uuid is the idempotency key (a resubmit
/// finds what a crashed submit already made), the job name is what people type.
public enum FlightdeckLabels {
    /// `app.kubernetes.io/managed-by: flightdeck` on every object Flightdeck creates.
    public static let managedBy = "app.kubernetes.io/managed-by"
    public static let managedByValue = "flightdeck"
    /// `app.kubernetes.io/component`: `agent`, `egress-proxy`, `nats`, `orchestrator`: what
    /// NetworkPolicies select.
    public static let component = "app.kubernetes.io/component"
    /// `app.kubernetes.io/name`: the workload (`flightdeck-agent`, `egress-proxy`, `nats`).
    public static let name = "app.kubernetes.io/name"
    /// The task's full uuid.
    public static let taskUUID = "flightdeck.dev/task-uuid"
    /// The Job's name (`agent-<short id>`), also on its pod, PVC and Secret.
    public static let job = "flightdeck.dev/job"
    /// On an agent Job: the queue it waits in (`QueueConfiguration`).
    public static let queue = "flightdeck.dev/queue"
    /// On an agent Job: `high`, `normal` or `low` (`TaskPriority`).
    public static let priority = "flightdeck.dev/priority"
    /// On an agent Job: where it stands in admission. Absent while its submission is still
    /// making the claim and Secret (the Job is suspended but not in line yet); `queued` once
    /// it waits in its queue; `admitted` once an admitter started it; `started` when an
    /// operator started it ahead of its queue.
    public static let admission = "flightdeck.dev/admission"
    public static let admissionQueued = "queued"
    public static let admissionAdmitted = "admitted"
    public static let admissionStarted = "started"
    /// Kueue's label naming the LocalQueue a Job is submitted to; set when the cluster has
    /// Kueue, which then admits (unsuspends) the Job itself. The LocalQueue has the Flightdeck
    /// queue's name.
    public static let kueueQueueName = "kueue.x-k8s.io/queue-name"
    /// Kueue's label naming the WorkloadPriorityClass of a Job (`kueuePriorityClass(_:)`).
    public static let kueuePriorityClassLabel = "kueue.x-k8s.io/priority-class"

    /// `flightdeck-high`, `flightdeck-normal`, `flightdeck-low`: the WorkloadPriorityClass
    /// `flightdeck install` makes for each priority when the cluster has Kueue.
    public static func kueuePriorityClass(_ priority: TaskPriority) -> String { "flightdeck-\(priority.rawValue)" }
    /// Annotation: the task's human title, when it has one (never the prompt itself).
    public static let title = "flightdeck.dev/task"
    /// Annotation on a pod template: a hash of the config its program reads only at start, so a
    /// changed config rolls the pods (the NATS Deployment).
    public static let configHash = "flightdeck.dev/config-hash"
    /// Annotation kubectl reads to pick the container for `logs`/`exec`.
    public static let defaultContainer = "kubectl.kubernetes.io/default-container"

    public static let agentComponent = "agent"
    public static let proxyComponent = "egress-proxy"
    public static let natsComponent = "nats"
    /// An orchestrator run inside the cluster (`flightdeck record` in a pod, with the
    /// `orchestrator` ServiceAccount): the one component besides agents admitted to NATS.
    public static let orchestratorComponent = "orchestrator"
}
