import FlightdeckCore
import Foundation
import KubeModel
import Synchronization

/// Kueue (v1beta1) as the sim runs it when the cluster "has Kueue": the batch/v1 Job
/// integration and the scheduler, for one flavor per resource group and no cohorts.
///
/// What it keeps true, observable only through the API, as Kueue's controllers do:
/// - every Job labelled `kueue.x-k8s.io/queue-name` has one Workload
///   `job-<job>-<5 hex>` in its namespace, owned by the Job (controller), labelled
///   `kueue.x-k8s.io/job-uid`, with the queue name, one pod set `main` (count: parallelism,
///   capped by completions; template: the Job's) and the priority of the
///   WorkloadPriorityClass the `kueue.x-k8s.io/priority-class` label names (0 without one;
///   a label naming a missing class makes no Workload, as Kueue fails to compose it);
/// - the scheduler (`KueueScheduler`) reserves quota in each ClusterQueue for pending
///   Workloads — `QuotaReserved` and `Admitted` True with `status.admission` — or writes why
///   not (`QuotaReserved` False, reason `Pending` or `Inadmissible`);
/// - an admitted Workload's Job is unsuspended (with the flavor's `nodeLabels` as node
///   selector); a Job running without admission is suspended again;
/// - a finished Job gives its Workload `Finished` True, which frees its quota;
/// - a label change on a waiting Job moves its Workload to the new queue and priority;
/// - ClusterQueue and LocalQueue status (pending, reserving, admitted counts, flavor usage).
///
/// Not modelled: cohorts and borrowing, preemption, admission checks, `waitForPodsReady`,
/// fair sharing, multiple flavors per resource group (the first is used), partial admission,
/// the `kueue.x-k8s.io/resource-in-use` finalizers. The garbage collector removes a Workload
/// whose Job is gone (owner reference), as in a cluster.
///
/// Run once (`run()` until cancelled); `ControlPlane` does this when configured with Kueue.
public final class KueueController: QueueDrivenController {
    public static let group = "kueue.x-k8s.io"
    public static let queueNameLabel = "kueue.x-k8s.io/queue-name"
    public static let priorityClassLabel = "kueue.x-k8s.io/priority-class"
    public static let jobUIDLabel = "kueue.x-k8s.io/job-uid"
    public static let priorityClassSource = "kueue.x-k8s.io/workloadpriorityclass"
    public static let podSetName = "main"

    public let store: APIStore
    let timing: SimTiming
    let events: EventRecorder

    enum Key: Hashable, Sendable {
        case job(ObjectKey)
        /// One scheduling cycle over every ClusterQueue, then their and the LocalQueues' status.
        case schedule
    }

    let queue = WorkQueue<Key>()

    /// Workload uid → the order the watch first delivered it (creation order, since a watch
    /// delivers in revision order): the tie-break for Workloads created in the same second.
    let arrivals = Mutex<(next: Int, byUID: [String: Int])>((0, [:]))

    public init(store: APIStore, timing: SimTiming = .realTime) {
        self.store = store
        self.timing = timing
        events = EventRecorder(store: store, component: "kueue-admission")
    }

    public func run() async { await runLoop() }

    var sources: [ControllerSource] {
        [
            .watch(.jobs) { [queue] event in
                if let key = ObjectKey(event.object) { queue.add(.job(key)) }
            },
            .watch(.workloads) { [queue, weak self] event in
                let meta = ObjectMeta(json: event.object["metadata"] ?? .emptyObject)
                if let uid = meta.uid { self?.noteArrival(uid: uid, deleted: event.type == .deleted) }
                if let owner = meta.controllerReference, owner.kind == "Job", owner.apiVersion == "batch/v1",
                    let name = owner.name
                {
                    queue.add(.job(ObjectKey(namespace: meta.namespace, name: name)))
                }
                queue.add(.schedule)
            },
            .watch(.clusterQueues) { [queue] _ in queue.add(.schedule) },
            .watch(.localQueues) { [queue] _ in queue.add(.schedule) },
            .watch(.resourceFlavors) { [queue] _ in queue.add(.schedule) },
            .watch(.workloadPriorityClasses) { [weak self] _ in self?.requeueLabelledJobs() },
            .resync(every: 30, timing: timing) { [weak self] in
                self?.requeueLabelledJobs()
                self?.queue.add(.schedule)
            },
        ]
    }

    func noteArrival(uid: String, deleted: Bool) {
        arrivals.withLock { state in
            if deleted {
                state.byUID[uid] = nil
            } else if state.byUID[uid] == nil {
                state.byUID[uid] = state.next
                state.next += 1
            }
        }
    }

    func sync(_ key: Key) {
        switch key {
        case .job(let job): syncJob(job)
        case .schedule: scheduleCycle()
        }
    }

    func requeueLabelledJobs() {
        for job in ControllerRuntime.list(store, .jobs, labelSelector: Self.queueNameLabel) {
            if let key = ObjectKey(job) { queue.add(.job(key)) }
        }
    }

    // MARK: - The Job integration

    func syncJob(_ key: ObjectKey) {
        guard var job = try? store.get(type: .jobs, namespace: key.namespace, name: key.name) else { return }
        job.setMember("kind", "Job")
        job.setMember("apiVersion", "batch/v1")
        let meta = ObjectMeta(json: job["metadata"] ?? .emptyObject)
        guard let uid = meta.uid, let namespace = meta.namespace, !meta.isBeingDeleted,
            let queueName = meta.labels[Self.queueNameLabel], !queueName.isEmpty
        else { return }
        let model = Job(json: job)
        let owned = workloads(ownedBy: uid, namespace: namespace)
        guard let workload = owned.first else {
            if !model.isFinished { createWorkload(for: job, uid: uid, namespace: namespace, queueName: queueName) }
            return
        }
        guard let workloadName = workload[path: ["metadata", "name"]]?.stringValue else { return }
        if model.isFinished {
            markFinished(workloadName, namespace: namespace, job: model)
            return
        }
        if Self.isFinished(workload) { return }
        let reserved = Self.conditionIsTrue(workload, "QuotaReserved")
        let admitted = Self.conditionIsTrue(workload, "Admitted")
        let suspended = model.spec.suspend == true

        // Labels changed while the Job waits: the Workload follows (queue only before admission).
        let priority = resolvePriority(meta.labels[Self.priorityClassLabel])
        _ = try? ControllerRuntime.modify(store, .workloads, namespace: namespace, name: workloadName) { object in
            var changed = false
            if !reserved, suspended, object[path: ["spec", "queueName"]]?.stringValue != queueName {
                object[path: ["spec", "queueName"]] = .string(queueName)
                changed = true
            }
            if let priority, Int(jsonValue: object[path: ["spec", "priority"]] ?? .null) != priority.value
                || object[path: ["spec", "priorityClassName"]]?.stringValue != priority.className
            {
                Self.setPriority(&object, priority)
                changed = true
            }
            return changed
        }

        if admitted, suspended {
            unsuspend(job, workload: workload, namespace: namespace)
        } else if !reserved, !suspended {
            // Kueue stops a Job that runs without its Workload being admitted.
            let stopped = try? ControllerRuntime.modify(store, .jobs, namespace: namespace, name: key.name) { object in
                guard object[path: ["spec", "suspend"]]?.boolValue != true else { return false }
                object[path: ["spec", "suspend"]] = .bool(true)
                return true
            }
            if stopped != nil {
                events.record(job, type: .normal, reason: "Stopped", message: "Not admitted by cluster queue")
            }
        }
    }

    /// The Workloads the Job with `uid` controls, oldest first.
    func workloads(ownedBy uid: String, namespace: String) -> [JSONValue] {
        ControllerRuntime.list(store, .workloads, namespace: namespace, labelSelector: "\(Self.jobUIDLabel)=\(uid)")
            .filter { ObjectMeta(json: $0["metadata"] ?? .emptyObject).controllerReference?.uid == uid }
            .sorted { ($0[path: ["metadata", "creationTimestamp"]]?.stringValue ?? "")
                < ($1[path: ["metadata", "creationTimestamp"]]?.stringValue ?? "") }
    }

    struct Priority {
        var className: String?
        var value: Int
    }

    /// The priority a Job's label gives: `nil` when it names a class that does not exist.
    func resolvePriority(_ className: String?) -> Priority? {
        guard let className, !className.isEmpty else { return Priority(className: nil, value: 0) }
        guard let priorityClass = try? store.get(type: .workloadPriorityClasses, name: className) else { return nil }
        let value = Int(jsonValue: priorityClass["value"] ?? .null) ?? 0
        return Priority(className: className, value: max(min(value, Int(Int32.max)), Int(Int32.min)))
    }

    static func setPriority(_ workload: inout JSONValue, _ priority: Priority) {
        workload[path: ["spec", "priority"]] = .integer(Int64(priority.value))
        if let name = priority.className {
            workload[path: ["spec", "priorityClassName"]] = .string(name)
            workload[path: ["spec", "priorityClassSource"]] = .string(priorityClassSource)
        } else {
            workload[path: ["spec", "priorityClassName"]] = nil
            workload[path: ["spec", "priorityClassSource"]] = nil
        }
    }

    /// `job-<name>-<5 hex>`: Kueue's `GetWorkloadNameForOwnerWithGVK` shape (its hash is a
    /// SHA-1 of the owner; the sim's is FNV-1a of the same inputs — only the shape matters).
    public static func workloadName(jobName: String, uid: String) -> String {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in "\(jobName)/\(uid)/batch/v1/Job".utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3 }
        let hex = String(hash, radix: 16)
        let suffix = String(String(repeating: "0", count: max(0, 5 - hex.count)) + hex.suffix(5))
        return "job-\(jobName.prefix(246))-\(suffix.suffix(5))"
    }

    /// The pod count Kueue gives a Job's pod set: parallelism (default 1), capped by
    /// completions when set.
    static func podCount(_ spec: JobSpec) -> Int {
        var count = spec.parallelism ?? 1
        if let completions = spec.completions { count = min(count, completions) }
        return max(0, min(count, 100_000))
    }

    func createWorkload(for job: JSONValue, uid: String, namespace: String, queueName: String) {
        let meta = ObjectMeta(json: job["metadata"] ?? .emptyObject)
        guard let jobName = meta.name, let priority = resolvePriority(meta.labels[Self.priorityClassLabel]) else { return }
        let spec = Job(json: job).spec
        let name = Self.workloadName(jobName: jobName, uid: uid)
        var workload: JSONValue = [
            "apiVersion": "kueue.x-k8s.io/v1beta1", "kind": "Workload",
            "metadata": [
                "name": .string(name), "namespace": .string(namespace),
                "labels": .object([.init(Self.jobUIDLabel, .string(uid))]),
                "ownerReferences": [[
                    "apiVersion": "batch/v1", "kind": "Job", "name": .string(jobName), "uid": .string(uid),
                    "controller": true, "blockOwnerDeletion": true,
                ]],
            ],
            "spec": [
                "active": true,
                "queueName": .string(queueName),
                "podSets": [[
                    "name": .string(Self.podSetName), "count": .integer(Int64(Self.podCount(spec))),
                    "template": job[path: ["spec", "template"]] ?? .emptyObject,
                ]],
            ],
        ]
        Self.setPriority(&workload, priority)
        if (try? store.create(workload, type: .workloads, namespace: namespace)) != nil {
            events.record(job, type: .normal, reason: "CreatedWorkload", message: "Created Workload: \(namespace)/\(name)")
        }
    }

    func markFinished(_ name: String, namespace: String, job: Job) {
        let failed = job.status.condition(.failed)
        let complete = job.status.condition(.complete)
        let now = KubeTime.string(from: store.clock())
        _ = try? ControllerRuntime.modify(store, .workloads, namespace: namespace, name: name, status: true) { object in
            guard !Self.isFinished(object) else { return false }
            var conditions = object[path: ["status", "conditions"]]?.arrayValue ?? []
            if let failed, failed.isTrue {
                Self.setCondition(&conditions, type: "Finished", status: "True", reason: "Failed",
                    message: failed.message ?? "Job failed", now: now)
            } else {
                // Kueue's batch/v1 integration carries the Job's condition message over.
                Self.setCondition(&conditions, type: "Finished", status: "True", reason: "Succeeded",
                    message: complete?.message ?? "Job finished successfully", now: now)
            }
            object[path: ["status", "conditions"]] = .array(conditions)
            return true
        }
    }

    func unsuspend(_ job: JSONValue, workload: JSONValue, namespace: String) {
        guard let name = job[path: ["metadata", "name"]]?.stringValue else { return }
        var nodeSelector: [String: String] = [:]
        for assignment in workload[path: ["status", "admission", "podSetAssignments"]]?.arrayValue ?? [] {
            for flavor in assignment["flavors"]?.members ?? [] {
                guard let flavorName = flavor.value.stringValue,
                    let object = try? store.get(type: .resourceFlavors, name: flavorName)
                else { continue }
                for label in object[path: ["spec", "nodeLabels"]]?.members ?? [] {
                    if let value = label.value.stringValue { nodeSelector[label.key] = value }
                }
            }
        }
        let cq = workload[path: ["status", "admission", "clusterQueue"]]?.stringValue ?? ""
        let written = try? ControllerRuntime.modify(store, .jobs, namespace: namespace, name: name) { object in
            guard object[path: ["spec", "suspend"]]?.boolValue == true else { return false }
            object[path: ["spec", "suspend"]] = .bool(false)
            if !nodeSelector.isEmpty {
                var selector = object[path: ["spec", "template", "spec", "nodeSelector"]] ?? .emptyObject
                if selector.members == nil { selector = .emptyObject }
                for key in nodeSelector.keys.sorted() { selector.setMember(key, .string(nodeSelector[key]!)) }
                object[path: ["spec", "template", "spec", "nodeSelector"]] = selector
            }
            return true
        }
        if written != nil {
            events.record(job, type: .normal, reason: "Started", message: "Admitted by clusterQueue \(cq)")
        }
    }

    // MARK: - Conditions

    static func condition(_ object: JSONValue, _ type: String) -> JSONValue? {
        (object[path: ["status", "conditions"]]?.arrayValue ?? []).first { $0["type"]?.stringValue == type }
    }

    static func conditionIsTrue(_ object: JSONValue, _ type: String) -> Bool {
        condition(object, type)?["status"]?.stringValue == "True"
    }

    static func isFinished(_ workload: JSONValue) -> Bool { conditionIsTrue(workload, "Finished") }

    /// `meta.SetStatusCondition`: the transition time changes only with the status. Returns
    /// whether anything changed.
    @discardableResult
    static func setCondition(_ conditions: inout [JSONValue], type: String, status: String, reason: String,
        message: String, now: String) -> Bool
    {
        if let index = conditions.firstIndex(where: { $0["type"]?.stringValue == type }) {
            var condition = conditions[index]
            guard condition["status"]?.stringValue != status || condition["reason"]?.stringValue != reason
                || condition["message"]?.stringValue != message
            else { return false }
            if condition["status"]?.stringValue != status { condition.setMember("lastTransitionTime", .string(now)) }
            condition.setMember("status", .string(status))
            condition.setMember("reason", .string(reason))
            condition.setMember("message", .string(message))
            conditions[index] = condition
            return true
        }
        conditions.append(["type": .string(type), "status": .string(status), "reason": .string(reason),
            "message": .string(message), "lastTransitionTime": .string(now)])
        return true
    }
}
