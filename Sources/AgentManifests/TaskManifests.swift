import FlightdeckCore
import Foundation
import KubeModel

/// The objects one agent task is made of: its Job, its workspace claim and its Secret.
///
/// The submit flow this is built for (the PVC and Secret must name the Job's uid, which only
/// exists once the Job does):
/// 1. create `job(task, settings:, suspended: true)`: nothing runs yet;
/// 2. create `workspaceClaim` and `secret` owned by it (`OwnerReference.controller(job)`), so
///    deleting the Job — by hand or by `ttlSecondsAfterFinished` — deletes them too;
/// 3. unsuspend the Job (`{"spec": {"suspend": false}}`).
/// Every object carries the task uuid label, so a submit that died half-way is found and
/// finished rather than repeated.
public enum TaskManifests {
    // MARK: - Names

    /// `agent-<short id>`.
    public static func jobName(_ task: AgentTask) -> String { "agent-" + jobID(task) }

    /// The agent's `JOB_ID`: 12 lower-case hex digits. A canonical UUID gives its first 12 hex
    /// digits (48 random bits: a collision is unlikely below millions of tasks); any other
    /// uuid gives 12 hex digits of its FNV-1a hash, so any text yields a valid DNS label.
    public static func jobID(_ task: AgentTask) -> String {
        let lowered = task.uuid.lowercased()
        let hex = lowered.filter { $0 != "-" }
        let groups = lowered.split(separator: "-", omittingEmptySubsequences: false).map(\.count)
        if groups == [8, 4, 4, 4, 12], hex.allSatisfy(\.isHexDigit) { return String(hex.prefix(12)) }
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in task.uuid.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        let text = String(hash, radix: 16)
        return String((String(repeating: "0", count: 16 - text.count) + text).prefix(12))
    }

    /// `workspace-agent-<short id>`.
    public static func claimName(_ task: AgentTask) -> String { "workspace-" + jobName(task) }

    /// `agent-<short id>-task`: the prompt and the secret files.
    public static func secretName(_ task: AgentTask) -> String { jobName(task) + "-task" }

    /// The labels on the Job, its pods, PVC and Secret.
    public static func labels(_ task: AgentTask) -> [String: String] {
        var labels = task.labels
        labels[FlightdeckLabels.managedBy] = FlightdeckLabels.managedByValue
        labels[FlightdeckLabels.name] = "flightdeck-agent"
        labels[FlightdeckLabels.component] = FlightdeckLabels.agentComponent
        labels[FlightdeckLabels.taskUUID] = task.uuid
        labels[FlightdeckLabels.job] = jobName(task)
        return labels
    }

    /// NATS subjects of the agent: `logs.agent.<id>`, `events.agent.<id>`, `cmd.agent.<id>`.
    public static func subjects(_ task: AgentTask) -> (logs: String, events: String, commands: String) {
        let id = jobID(task)
        return ("logs.agent.\(id)", "events.agent.\(id)", "cmd.agent.\(id)")
    }

    // MARK: - NATS identity

    /// `_INBOX.<id>`: the agent's inbox prefix. Its user may subscribe under this prefix only,
    /// so no job sees the replies (JetStream acks, fetched commands) another job receives.
    public static func natsInboxPrefix(_ task: AgentTask) -> String { BusNames.inboxPrefix(forJob: jobID(task)) }

    /// `cmd-<id>`: the agent's durable consumer on the command stream (`BusNames.commandStream`).
    public static func commandsConsumer(_ task: AgentTask) -> String { BusNames.commandConsumer(forJob: jobID(task)) }

    // MARK: - Objects

    /// The agent's Job. `suspended: true` for step 1 of the submit flow above.
    ///
    /// `natsCredentials`: whether the job's Secret will hold a NATS user's credentials (the
    /// cluster has NATS identities; pass the same answer as to `secret`'s `natsCredentials`).
    /// The agent then reads them from `/var/secrets/nats.creds` and the log shipper from a
    /// mount of its own; without, both connect anonymously, as before identities.
    public static func job(_ task: AgentTask, settings: ClusterSettings, suspended: Bool, natsCredentials: Bool = false)
        -> JSONValue
    {
        let labels = labels(task)
        var annotations: [String: String] = [:]
        if let title = task.title, !title.isEmpty { annotations[FlightdeckLabels.title] = title }
        var spec: JSONValue = [
            "suspend": .bool(suspended),
            "backoffLimit": .integer(Int64(task.backoffLimit)),
        ]
        if let deadline = task.activeDeadlineSeconds { spec.setMember("activeDeadlineSeconds", .integer(Int64(deadline))) }
        spec.setMember("ttlSecondsAfterFinished", .integer(Int64(task.ttlSecondsAfterFinished)))
        spec.setMember("podFailurePolicy", podFailurePolicy(settings))
        var templateAnnotations = annotations
        templateAnnotations[FlightdeckLabels.defaultContainer] = "agent"
        spec.setMember("template", [
            "metadata": ["labels": ManifestJSON.stringMap(labels), "annotations": ManifestJSON.stringMap(templateAnnotations)],
            "spec": podSpec(task, settings: settings, natsCredentials: natsCredentials),
        ])
        return ManifestJSON.object("batch/v1", "Job",
            ManifestJSON.metadata(name: jobName(task), namespace: settings.namespace, labels: jobLabels(task),
                annotations: annotations),
            ["spec": spec])
    }

    /// The Job's own labels: the task's (`labels`) and where it waits — its queue (when the task
    /// names one; submit always does) and priority — so an admitter selects queued Jobs by label.
    /// Only on the Job: its pod, PVC and Secret are not queued.
    public static func jobLabels(_ task: AgentTask) -> [String: String] {
        var labels = labels(task)
        if let queue = task.queue { labels[FlightdeckLabels.queue] = queue }
        labels[FlightdeckLabels.priority] = task.priority.rawValue
        return labels
    }

    /// Why these two rules: an agent that exits with the fatal code found a logic error a retry
    /// would only repeat (fail the Job now, keep the budget honest); a pod lost to a node drain,
    /// preemption or eviction (`DisruptionTarget`) did nothing wrong, so it is retried without
    /// counting against `backoffLimit`. Everything else (OOM, crashes, failed liveness) counts.
    static func podFailurePolicy(_ settings: ClusterSettings) -> JSONValue {
        [
            "rules": [
                [
                    "action": "FailJob",
                    "onExitCodes": ["containerName": "agent", "operator": "In",
                        "values": [.integer(Int64(settings.fatalExitCode))]],
                ],
                [
                    "action": "Ignore",
                    "onPodConditions": [["type": "DisruptionTarget", "status": "True"]],
                ],
            ],
        ]
    }

    /// The workspace PVC `workspace-<job>`, owned by the Job (`controller`, `blockOwnerDeletion`).
    ///
    /// One claim per Job (never a shared volume with subdirectories: an agent could walk into
    /// another's); local-path because SQLite's WAL needs a local filesystem and local disks are
    /// fast; `ReadWriteOnce` because one pod at a time writes it.
    public static func workspaceClaim(_ task: AgentTask, settings: ClusterSettings, owner: OwnerReference) -> JSONValue {
        ManifestJSON.object("v1", "PersistentVolumeClaim",
            ManifestJSON.metadata(name: claimName(task), namespace: settings.namespace, labels: labels(task),
                owners: [controllerReference(owner)]),
            [
                "spec": [
                    "accessModes": ["ReadWriteOnce"],
                    "storageClassName": .string(settings.storageClassName),
                    "resources": ["requests": ["storage": .string(task.resources.workspaceSize)]],
                ],
            ])
    }

    /// The task's Secret: the prompt (key `task-prompt`) and the secret files, owned by the Job.
    ///
    /// Why the prompt lives here rather than in `TASK_PROMPT`: a prompt can be long (env values
    /// share the kernel's argument limit, and every `kubectl describe` prints them) and may
    /// quote private code or data; as a file it is read once, readable only by the agent's
    /// user, and gone with the Job. A ConfigMap would do for size but is readable by anyone who
    /// may list ConfigMaps. It is projected on its own path (`/var/run/flightdeck/task-prompt`,
    /// `TASK_PROMPT_FILE`), apart from the secret files in `/var/secrets`.
    ///
    /// `natsCredentials`: the job's NATS user as a `.creds` file (user JWT and NKey seed),
    /// under the key `nats.creds`; `nil` when the cluster has no NATS identities. The Job must
    /// be built with `natsCredentials: true` to mount it.
    public static func secret(_ task: AgentTask, settings: ClusterSettings, owner: OwnerReference,
        natsCredentials: String? = nil) -> JSONValue
    {
        var data: JSONValue = .emptyObject
        var files = task.secretFiles
        files[AgentTask.promptKey] = task.prompt
        if let natsCredentials { files[AgentTask.natsCredentialsKey] = natsCredentials }
        for name in files.keys.sorted() {
            data.setMember(name, .string(Data(files[name]!.utf8).base64EncodedString()))
        }
        return ManifestJSON.object("v1", "Secret",
            ManifestJSON.metadata(name: secretName(task), namespace: settings.namespace, labels: labels(task),
                owners: [controllerReference(owner)]),
            ["type": "Opaque", "immutable": true, "data": data])
    }

    /// Every object of the task, Job first: the Job, its workspace claim and its Secret, the
    /// last two owned by the Job whose uid is `ownerUID`. A Job's uid exists only once the
    /// Job is created, so without one the claim and Secret carry no ownerReferences (printed
    /// so, they would outlive the Job: `flightdeck submit` creates the Job first).
    /// `natsCredentials` as for `secret`; the Job mounts them when given.
    public static func all(_ task: AgentTask, settings: ClusterSettings, suspended: Bool, ownerUID: String?,
        natsCredentials: String? = nil) -> [JSONValue]
    {
        let owner = OwnerReference(apiVersion: "batch/v1", kind: "Job", name: jobName(task), uid: ownerUID ?? "")
        var dependents = [workspaceClaim(task, settings: settings, owner: owner),
            secret(task, settings: settings, owner: owner, natsCredentials: natsCredentials)]
        if ownerUID == nil {
            for index in dependents.indices { dependents[index][path: ["metadata", "ownerReferences"]] = nil }
        }
        return [job(task, settings: settings, suspended: suspended, natsCredentials: natsCredentials != nil)] + dependents
    }

    /// `owner` as a controller reference that blocks the owner's foreground deletion until the
    /// dependent is gone (what the garbage collector needs to clean up behind the Job).
    static func controllerReference(_ owner: OwnerReference) -> JSONValue {
        var reference = owner
        reference.controller = true
        reference.blockOwnerDeletion = true
        return [
            "apiVersion": .string(reference.apiVersion ?? "batch/v1"), "kind": .string(reference.kind ?? "Job"),
            "name": .string(reference.name ?? ""), "uid": .string(reference.uid ?? ""),
            "controller": true, "blockOwnerDeletion": true,
        ]
    }
}
