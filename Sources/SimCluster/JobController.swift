import FlightdeckCore
import Foundation
import KubeModel
import Synchronization

/// kube-controller-manager's Job controller (batch/v1, 1.31+ semantics), for the Jobs the
/// product runs (`parallelism: 1`, `completions: 1`) and, best effort, wider ones
/// (non-indexed only).
///
/// What it keeps true, and why each matters to Flightdeck:
/// - pods come from the template one at a time up to `parallelism`, named `<job>-xxxxx`,
///   owned by the Job (controller, `blockOwnerDeletion`) and carrying the
///   `batch.kubernetes.io/job-tracking` finalizer, so a pod cannot vanish before it is
///   counted; counting goes through `status.uncountedTerminatedPods` first, as upstream;
/// - a failed pod is replaced after an exponential back-off (10 s doubling to 6 min,
///   through `SimTiming`) until `failed > backoffLimit`;
/// - `podFailurePolicy` rules (FailJob, Ignore, Count; FailIndex counts, since Indexed
///   Jobs are not supported) decide per failed pod;
/// - `activeDeadlineSeconds`, `suspend` (pods deleted, `Suspended` condition, `startTime`
///   reset on resume);
/// - terminal conditions as 1.31: `FailureTarget` then `Failed` once no pod is left
///   unaccounted, `SuccessCriteriaMet` then `Complete` with `completionTime`;
/// - the Events kubectl describe shows (SuccessfulCreate, FailedCreate with the admission
///   message, SuccessfulDelete, Completed, BackoffLimitExceeded, DeadlineExceeded,
///   PodFailurePolicy, Suspended, Resumed).
///
/// Times: the controller reads the store's clock and sleeps through `SimTiming`; give the
/// store a `SimClock` with the same timing so both agree.
///
/// Run once (`run()` until cancelled); `ControlPlane` does this.
public final class JobController: QueueDrivenController {
    public static let controllerUIDLabel = "batch.kubernetes.io/controller-uid"
    public static let jobNameLabel = "batch.kubernetes.io/job-name"
    public static let legacyControllerUIDLabel = "controller-uid"
    public static let legacyJobNameLabel = "job-name"
    public static let trackingFinalizer = "batch.kubernetes.io/job-tracking"
    /// Upstream's `DefaultJobPodFailureBackOff` and `MaxJobPodFailureBackOff`.
    public static let initialBackoffSeconds = 10.0
    public static let maxBackoffSeconds = 360.0

    public let store: APIStore
    let timing: SimTiming
    let events: EventRecorder

    enum Key: Hashable, Sendable {
        case job(ObjectKey)
        /// A pod whose tracking finalizer may belong to no existing Job.
        case pod(ObjectKey)
    }

    let queue = WorkQueue<Key>()

    /// Failures since the last success and when the last one happened, per Job uid
    /// (upstream's in-memory `backoffRecord` store).
    struct BackoffRecord: Sendable {
        var failures = 0
        var lastFailure = Date.distantPast
    }

    let backoff = Mutex<[String: BackoffRecord]>([:])

    public init(store: APIStore, timing: SimTiming = .realTime) {
        self.store = store
        self.timing = timing
        events = EventRecorder(store: store, component: "job-controller")
    }

    /// The back-off before replacing a pod after `failures` consecutive failures.
    public static func backoffSeconds(failures: Int) -> Double {
        guard failures > 0 else { return 0 }
        return min(initialBackoffSeconds * pow(2, Double(min(failures - 1, 30))), maxBackoffSeconds)
    }

    public func run() async { await runLoop() }

    var sources: [ControllerSource] {
        [
            .watch(.jobs) { [queue] event in
                if let key = ObjectKey(event.object) { queue.add(.job(key)) }
            },
            .watch(.pods) { [queue] event in
                let meta = ObjectMeta(json: event.object["metadata"] ?? .emptyObject)
                if let owner = meta.controllerReference, owner.kind == "Job", owner.apiVersion == "batch/v1",
                    let name = owner.name
                {
                    queue.add(.job(ObjectKey(namespace: meta.namespace, name: name)))
                }
                if event.type != .deleted, meta.finalizers.contains(Self.trackingFinalizer),
                    let key = ObjectKey(event.object)
                {
                    queue.add(.pod(key))
                }
            },
            .resync(every: 60, timing: timing) { [weak self] in self?.resync() },
        ]
    }

    func sync(_ key: Key) {
        switch key {
        case .job(let job): syncJob(job)
        case .pod(let pod): releaseOrphan(pod)
        }
    }

    func resync() {
        for job in ControllerRuntime.list(store, .jobs) {
            if let key = ObjectKey(job) { queue.add(.job(key)) }
        }
    }

    /// A pod with the tracking finalizer whose Job is gone (deleted with `Orphan`, or the
    /// owner reference was removed) will never be counted: drop the finalizer, as
    /// upstream's orphan-pod handling does.
    func releaseOrphan(_ key: ObjectKey) {
        guard let pod = try? store.get(type: .pods, namespace: key.namespace, name: key.name) else { return }
        let meta = ObjectMeta(json: pod["metadata"] ?? .emptyObject)
        guard meta.finalizers.contains(Self.trackingFinalizer) else { return }
        if let owner = meta.controllerReference, owner.kind == "Job", let name = owner.name,
            let job = try? store.get(type: .jobs, namespace: key.namespace, name: name),
            job[path: ["metadata", "uid"]]?.stringValue == owner.uid
        {
            return
        }
        ControllerRuntime.removeFinalizer(store, .pods, namespace: key.namespace, name: key.name,
            Self.trackingFinalizer)
    }

    // MARK: - Sync

    /// The pods of a Job, sorted by creation (then name).
    func pods(of job: Job) -> [Pod] {
        let uid = job.metadata.uid
        return ControllerRuntime.list(store, .pods, namespace: job.namespace).map(Pod.init(json:))
            .filter { $0.metadata.controllerReference?.uid == uid }
            .sorted { ($0.metadata.creationTimestamp ?? .distantPast, $0.name ?? "")
                < ($1.metadata.creationTimestamp ?? .distantPast, $1.name ?? "") }
    }

    static func hasFinalizer(_ pod: Pod) -> Bool { pod.metadata.finalizers.contains(trackingFinalizer) }
    static func isTerminal(_ pod: Pod) -> Bool { pod.status.phase == .succeeded || pod.status.phase == .failed }

    func syncJob(_ key: ObjectKey) {
        guard let json = try? store.get(type: .jobs, namespace: key.namespace, name: key.name) else { return }
        let job = Job(json: json)
        guard let uid = job.metadata.uid else { return }
        let pods = pods(of: job)

        // A Job being deleted or already finished only lets go of its pods.
        if job.metadata.isBeingDeleted || job.isFinished {
            for pod in pods where Self.hasFinalizer(pod) { removeTrackingFinalizer(pod) }
            if job.metadata.isBeingDeleted { _ = backoff.withLock { $0.removeValue(forKey: uid) } }
            return
        }

        let now = store.clock()
        let spec = job.spec
        var status = job.status
        var conditions = status.conditions
        let finishing = conditions.first(type: JobConditionType.failureTarget.rawValue)?.isTrue == true
            || conditions.first(type: JobConditionType.successCriteriaMet.rawValue)?.isTrue == true
        let onlyFailedReplaced = (spec.json["podReplacementPolicy"]?.stringValue
            ?? (spec.podFailurePolicy == nil ? "TerminatingOrFailed" : "Failed")) == "Failed"

        // 1. Classify the pods; find those finished but not yet counted.
        var uncountedSucceeded = Self.uidList(status.json[path: ["uncountedTerminatedPods", "succeeded"]])
        var uncountedFailed = Self.uidList(status.json[path: ["uncountedTerminatedPods", "failed"]])
        var active: [Pod] = []
        var terminating = 0
        var toRelease: [Pod] = []
        var failJobMessage: String?
        var newFailures: [Pod] = []
        var newSuccess = false
        for pod in pods {
            let podUID = pod.metadata.uid ?? ""
            let tracked = Self.hasFinalizer(pod)
            let deleting = pod.metadata.isBeingDeleted
            if !Self.isTerminal(pod) {
                if deleting { terminating += 1 } else {
                    active.append(pod)
                    continue
                }
            }
            guard tracked else { continue }
            if uncountedSucceeded.contains(podUID) || uncountedFailed.contains(podUID) {
                toRelease.append(pod)
                continue
            }
            if pod.status.phase == .succeeded {
                uncountedSucceeded.append(podUID)
                newSuccess = true
                toRelease.append(pod)
            } else if pod.status.phase == .failed {
                let match = spec.podFailurePolicy.flatMap { PodFailurePolicyEvaluator.match($0, pod: pod) }
                switch match?.action {
                case .ignore?:
                    toRelease.append(pod)  // released without being counted
                case .failJob?:
                    failJobMessage = failJobMessage ?? match?.message
                    fallthrough
                default:
                    uncountedFailed.append(podUID)
                    newFailures.append(pod)
                    toRelease.append(pod)
                }
            } else if deleting, !onlyFailedReplaced || finishing {
                // A pod deleted before finishing counts as failed (it may never reach the
                // Failed phase); with podReplacementPolicy Failed only once terminal.
                uncountedFailed.append(podUID)
                newFailures.append(pod)
                toRelease.append(pod)
            }
        }

        // 2. Record what is about to be counted, release the pods, then count them.
        let recordedUncounted = Self.uidList(status.json[path: ["uncountedTerminatedPods", "succeeded"]]).count
            + Self.uidList(status.json[path: ["uncountedTerminatedPods", "failed"]]).count
        if uncountedSucceeded.count + uncountedFailed.count != recordedUncounted {
            var pending = status
            pending.json.setMember("uncountedTerminatedPods",
                Self.uncounted(succeeded: uncountedSucceeded, failed: uncountedFailed))
            writeStatus(key, pending)
        }
        var released = Set<String>()
        for pod in toRelease where removeTrackingFinalizer(pod) { released.insert(pod.metadata.uid ?? "") }
        let countedSucceeded = uncountedSucceeded.filter(released.contains)
        let countedFailed = uncountedFailed.filter(released.contains)
        uncountedSucceeded.removeAll(where: released.contains)
        uncountedFailed.removeAll(where: released.contains)
        let succeeded = (status.succeeded ?? 0) + countedSucceeded.count
        let failed = (status.failed ?? 0) + countedFailed.count
        recordBackoff(uid: uid, failures: newFailures, success: newSuccess, now: now)

        // 3. Decide whether the Job has reached an end.
        let suspended = spec.suspend == true
        let completions = spec.completions
        let parallelism = max(0, spec.parallelism ?? 1)
        if !finishing {
            var target: (reason: String, message: String)?
            if let failJobMessage {
                target = ("PodFailurePolicy", failJobMessage)
            } else if failed > (spec.backoffLimit ?? 6) {
                target = ("BackoffLimitExceeded", "Job has reached the specified backoff limit")
            } else if !suspended, let deadline = spec.activeDeadlineSeconds, let start = status.startTime,
                now.timeIntervalSince(start) >= Double(deadline)
            {
                target = ("DeadlineExceeded", "Job was active longer than specified deadline")
            }
            if let target {
                conditions.set(Self.condition(.failureTarget, reason: target.reason, message: target.message, now: now))
            } else if let completions, succeeded >= completions {
                conditions.set(Self.condition(.successCriteriaMet, reason: "CompletionsReached",
                    message: "Reached expected number of succeeded pods", now: now))
            } else if completions == nil, succeeded > 0, active.isEmpty {
                conditions.set(Self.condition(.successCriteriaMet, reason: "CompletionsReached",
                    message: "Reached expected number of succeeded pods", now: now))
            }
        }
        let failureTarget = conditions.first(type: JobConditionType.failureTarget.rawValue).flatMap { $0.isTrue ? $0 : nil }
        let successTarget = conditions.first(type: JobConditionType.successCriteriaMet.rawValue)
            .flatMap { $0.isTrue ? $0 : nil }

        // 4. Act: finish, suspend, or create/delete pods.
        var activeCount = active.count
        var finished = false
        if failureTarget != nil || successTarget != nil {
            for pod in active { deletePod(pod, job: json) }
            activeCount = 0
            let unaccounted = pods.contains { Self.hasFinalizer($0) && !released.contains($0.metadata.uid ?? "") }
            if !unaccounted, uncountedSucceeded.isEmpty, uncountedFailed.isEmpty {
                finished = true
                if let failureTarget {
                    conditions.set(Self.condition(.failed, reason: failureTarget.reason ?? "",
                        message: failureTarget.message ?? "", now: now))
                    events.record(json, type: .warning, reason: failureTarget.reason ?? "Failed",
                        message: failureTarget.message ?? "")
                } else {
                    conditions.set(Self.condition(.complete, reason: "CompletionsReached",
                        message: "Reached expected number of succeeded pods", now: now))
                    status.completionTime = now
                    events.record(json, type: .normal, reason: "Completed", message: "Job completed")
                }
            }
        } else if suspended {
            for pod in active { deletePod(pod, job: json) }
            activeCount = 0
            if conditions.first(type: JobConditionType.suspended.rawValue)?.isTrue != true {
                conditions.set(Self.condition(.suspended, reason: "JobSuspended", message: "Job suspended", now: now))
                events.record(json, type: .normal, reason: "Suspended", message: "Job suspended")
            }
        } else {
            if conditions.first(type: JobConditionType.suspended.rawValue)?.isTrue == true {
                conditions.set(Self.condition(.suspended, status: .false, reason: "JobResumed", message: "Job resumed",
                    now: now))
                status.startTime = now
                events.record(json, type: .normal, reason: "Resumed", message: "Job resumed")
            }
            if status.startTime == nil { status.startTime = now }
            var wanted = completions.map { min(parallelism, max(0, $0 - succeeded)) }
                ?? (succeeded > 0 ? 0 : parallelism)
            if onlyFailedReplaced { wanted = max(0, wanted - terminating) }
            if activeCount < wanted {
                let wait = backoffRemaining(uid: uid, now: now)
                if wait > 0 {
                    queue.add(.job(key), after: timing.duration(seconds: wait))
                } else {
                    for _ in activeCount..<wanted where createPod(for: job, json: json) { activeCount += 1 }
                }
            } else if activeCount > wanted {
                for pod in active.suffix(activeCount - wanted).reversed() { deletePod(pod, job: json) }
                activeCount = wanted
            }
            if let deadline = spec.activeDeadlineSeconds, let start = status.startTime {
                let remaining = Double(deadline) - now.timeIntervalSince(start)
                if remaining > 0 { queue.add(.job(key), after: timing.duration(seconds: remaining)) }
            }
        }

        // 5. Write the status.
        status.active = activeCount > 0 ? activeCount : nil
        status.succeeded = succeeded > 0 ? succeeded : nil
        status.failed = failed > 0 ? failed : nil
        status.ready = finished ? 0 : active.filter(Self.isReady).count
        status.terminating = pods.filter { $0.metadata.isBeingDeleted && !Self.isTerminal($0) && Self.hasFinalizer($0)
            && !released.contains($0.metadata.uid ?? "") }.count
        status.json.setMember("uncountedTerminatedPods",
            Self.uncounted(succeeded: uncountedSucceeded, failed: uncountedFailed))
        status.conditions = conditions
        writeStatus(key, status)
    }

    // MARK: - Pieces

    static func isReady(_ pod: Pod) -> Bool { pod.status.conditions.first(type: "Ready")?.isTrue == true }

    static func uidList(_ value: JSONValue?) -> [String] { (value?.arrayValue ?? []).compactMap(\.stringValue) }

    static func uncounted(succeeded: [String], failed: [String]) -> JSONValue {
        var value: JSONValue = .emptyObject
        if !succeeded.isEmpty { value.setMember("succeeded", .array(succeeded.map(JSONValue.string))) }
        if !failed.isEmpty { value.setMember("failed", .array(failed.map(JSONValue.string))) }
        return value
    }

    static func condition(_ type: JobConditionType, status: ConditionStatus = .true, reason: String, message: String,
        now: Date) -> Condition
    {
        var condition = Condition(type: type.rawValue, status: status, reason: reason, message: message,
            lastTransitionTime: now)
        condition.lastProbeTime = now
        return condition
    }

    func writeStatus(_ key: ObjectKey, _ status: KubeModel.JobStatus) {
        do {
            try ControllerRuntime.modify(store, .jobs, namespace: key.namespace, name: key.name, status: true) {
                object in
                guard !StoreState.sameContent(object["status"] ?? .emptyObject, status.json) else { return false }
                object.setMember("status", status.json)
                return true
            }
        } catch {
            queue.add(.job(key), after: timing.duration(seconds: 1))
        }
    }

    @discardableResult
    func removeTrackingFinalizer(_ pod: Pod) -> Bool {
        guard let name = pod.name else { return false }
        ControllerRuntime.removeFinalizer(store, .pods, namespace: pod.namespace, name: name, Self.trackingFinalizer)
        guard let current = try? store.get(type: .pods, namespace: pod.namespace, name: name) else { return true }
        return current[path: ["metadata", "uid"]]?.stringValue != pod.metadata.uid
            || !Self.hasFinalizer(Pod(json: current))
    }

    func recordBackoff(uid: String, failures: [Pod], success: Bool, now: Date) {
        guard success || !failures.isEmpty else { return }
        backoff.withLock { records in
            var record = records[uid] ?? BackoffRecord()
            if success { record = BackoffRecord() }
            for pod in failures {
                record.failures += 1
                record.lastFailure = max(record.lastFailure, Self.finishTime(pod) ?? now)
            }
            records[uid] = record
        }
    }

    func backoffRemaining(uid: String, now: Date) -> Double {
        guard let record = backoff.withLock({ $0[uid] }), record.failures > 0 else { return 0 }
        let end = record.lastFailure.addingTimeInterval(Self.backoffSeconds(failures: record.failures))
        return end.timeIntervalSince(now)
    }

    /// When the pod finished: its containers' latest `finishedAt`, else its deletion time.
    static func finishTime(_ pod: Pod) -> Date? {
        let finished = (pod.status.containerStatuses + pod.status.initContainerStatuses)
            .compactMap { $0.state.terminated?.finishedAt }
        return finished.max() ?? pod.metadata.deletionTimestamp
    }

    /// Creates one pod from the template; `false` (with a FailedCreate event and a retry
    /// later) when the API refuses it, e.g. PodSecurity.
    func createPod(for job: Job, json: JSONValue) -> Bool {
        let refused = PodControl(store: store, events: events).createPod(from: job.spec.template, owner: job, ownerJSON: json,
            defaultName: "job", extraFinalizers: [Self.trackingFinalizer])
        guard refused != nil else { return true }
        if let key = ObjectKey(json) { queue.add(.job(key), after: timing.duration(seconds: 10)) }
        return false
    }

    func deletePod(_ pod: Pod, job: JSONValue) {
        guard let name = pod.name, !pod.metadata.isBeingDeleted else { return }
        do {
            _ = try store.delete(type: .pods, namespace: pod.namespace, name: name)
            events.record(job, type: .normal, reason: "SuccessfulDelete", message: "Deleted pod: \(name)")
        } catch {
            if error.code != 404 {
                events.record(job, type: .warning, reason: "FailedDelete",
                    message: "Error deleting: \(error.message ?? "unknown error")")
            }
        }
    }
}
