import AgentManifests
import FlightdeckCore
import Foundation
import HistoryStore
import KubeClient
import KubeModel

/// The reconciler's memory of the managed namespace, and the history writes each change
/// implies. Pure: fed informer deltas, it answers what to store — the Job's projected
/// state when it changed, and timeline markers (pod restarts, retries, failure) with ids
/// that are the same in every cockpit, so several cockpits sharing a history store write
/// each marker once.
///
/// Queued Jobs are also given their place in line and why they wait (`AdmissionPlan` over
/// every Job of the namespace, the admission Lease, and under Kueue its Workloads' reasons);
/// a change to any Job can move the others, so each is written again when its place changes.
public struct ReconcileState: Sendable {
    /// Which collection a delta came from.
    public enum Source: Sendable, Hashable {
        case jobs, pods, claims, events
        /// The admission Lease (`Admitter.leaseName`): whether a keeper admits.
        case leases
        /// Kueue's Workloads, under `AdmissionMode.kueue`: why Kueue has not admitted a Job.
        case workloads
        /// Which queues' daily budgets are spent: `{"spent": [names]}` as a modification, from
        /// history rather than the cluster (`Reconciler`'s budget check).
        case budgets
    }

    public let context: String?
    public let queues: QueueConfiguration
    public let admission: AdmissionMode
    /// The admission Lease as last seen; `nil`: none.
    private var lease: Lease?
    /// Whether the Lease was listed at all: until then nothing is said of who admits.
    private var leaseKnown = false
    /// Kueue's one line on a Job it has not admitted (by Job name).
    private var kueueReasons: [String: String] = [:]
    /// Workload name → its Job's name, to forget a reason when the Workload goes.
    private var workloadJobs: [String: String] = [:]
    /// The admission plan over `jobs`, and when it was made: one plan serves every queued Job
    /// re-projected for the same change (promotion by age needs it remade as time passes).
    private var plan: (at: Date, plan: AdmissionPlan)?
    /// The queues whose budget for today is spent.
    private var budgetSpent: Set<String> = []
    private var jobs: [String: Job] = [:]
    private var pods: [String: Pod] = [:]
    private var claims: [String: JSONValue] = [:]
    /// Recent Warning events by the involved object's name (Job or Pod).
    private var warnings: [String: [CoreEvent]] = [:]
    /// What was last written for each Job (by name).
    private var written: [String: AgentJob] = [:]
    /// Restart counts seen per pod and container.
    private var restarts: [String: [String: Int]] = [:]
    /// Pods seen per Job, to tell a retry (a second pod) from the first.
    private var podsSeen: [String: Set<String>] = [:]

    public init(context: String?, queues: QueueConfiguration = QueueConfiguration(), admission: AdmissionMode = .immediate) {
        self.context = context
        self.queues = queues
        self.admission = admission
    }

    public mutating func apply(_ source: Source, _ delta: Reflector.Delta, now: Date) -> [HistoryWrite] {
        switch (source, delta) {
        case (.jobs, .added(let json)), (.jobs, .modified(let json)):
            let job = Job(json: json)
            guard let name = job.metadata.name else { return [] }
            jobs[name] = job
            plan = nil
            return project(name, now: now) + requeue(except: name, now: now)
        case (.leases, .added(let json)), (.leases, .modified(let json)):
            lease = Lease(json: json)
            leaseKnown = true
            return requeue(except: nil, now: now)
        case (.leases, .deleted):
            lease = nil
            return requeue(except: nil, now: now)
        case (.workloads, .added(let json)), (.workloads, .modified(let json)):
            guard let workload = json[path: ["metadata", "name"]]?.stringValue, let job = Self.owningJob(json) else { return [] }
            workloadJobs[workload] = job
            kueueReasons[job] = Self.kueueReason(json)
            return project(job, now: now)
        case (.workloads, .deleted(let json)):
            guard let workload = json[path: ["metadata", "name"]]?.stringValue, let job = workloadJobs[workload] else { return [] }
            workloadJobs[workload] = nil
            kueueReasons[job] = nil
            return project(job, now: now)
        case (.budgets, .added(let json)), (.budgets, .modified(let json)):
            let spent = Set(json["spent"]?.arrayValue?.compactMap(\.stringValue) ?? [])
            guard spent != budgetSpent else { return [] }
            budgetSpent = spent
            plan = nil
            return requeue(except: nil, now: now)
        case (.budgets, .deleted):
            return []
        case (.jobs, .deleted(let json)):
            let job = Job(json: json)
            guard let name = job.metadata.name else { return [] }
            jobs[name] = nil
            plan = nil
            guard var last = written[name] ?? Optional(JobProjection.agentJob(job: job, pods: [], claim: nil,
                warnings: [], context: context))
            else { return [] }
            if !last.status.isFinished { last.status = .deleted }
            last.deletedAt = now
            last.pendingReason = last.status == .deleted ? "deleted while it ran" : last.pendingReason
            written[name] = nil
            podsSeen[name] = nil
            return [.job(last)] + requeue(except: nil, now: now)
        case (.pods, .added(let json)), (.pods, .modified(let json)):
            let pod = Pod(json: json)
            guard let name = pod.metadata.name else { return [] }
            pods[name] = pod
            var writes = markers(for: pod, now: now)
            if let job = jobName(of: pod) { writes += project(job, now: now) }
            return writes
        case (.pods, .deleted(let json)):
            let pod = Pod(json: json)
            guard let name = pod.metadata.name else { return [] }
            pods[name] = nil
            restarts[name] = nil
            return jobName(of: pod).map { project($0, now: now) } ?? []
        case (.claims, .added(let json)), (.claims, .modified(let json)):
            guard let name = json[path: ["metadata", "name"]]?.stringValue else { return [] }
            claims[name] = json
            return jobsUsing(claim: name).flatMap { project($0, now: now) }
        case (.claims, .deleted(let json)):
            guard let name = json[path: ["metadata", "name"]]?.stringValue else { return [] }
            claims[name] = nil
            return jobsUsing(claim: name).flatMap { project($0, now: now) }
        case (.events, .added(let json)), (.events, .modified(let json)):
            let event = CoreEvent(json: json)
            guard event.type == "Warning", let object = event.involvedObject.json["name"]?.stringValue else { return [] }
            var list = warnings[object, default: []]
            list.removeAll { $0.metadata.name == event.metadata.name }
            list.append(event)
            warnings[object] = Array(list.suffix(10))
            switch event.involvedObject.json["kind"]?.stringValue {
            case "Job": return project(object, now: now)
            case "Pod": return pods[object].flatMap(jobName(of:)).map { project($0, now: now) } ?? []
            case "PersistentVolumeClaim": return jobsUsing(claim: object).flatMap { project($0, now: now) }
            default: return []
            }
        case (.events, .deleted):
            return []
        }
    }

    /// A collection was listed in full: once the Lease's was, a missing Lease means nobody admits.
    public mutating func listed(_ source: Source, now: Date) -> [HistoryWrite] {
        guard source == .leases, !leaseKnown else { return [] }
        leaseKnown = true
        return requeue(except: nil, now: now)
    }

    /// After the Jobs were listed: Jobs history still holds as present in this namespace
    /// and context that the cluster no longer has were deleted while nobody watched.
    public mutating func missing(from remembered: [AgentJob], now: Date) -> [HistoryWrite] {
        let present = Set(jobs.values.compactMap(\.metadata.uid))
        var writes: [HistoryWrite] = []
        for var job in remembered where job.deletedAt == nil && job.context == context {
            if let uid = job.uid, present.contains(uid) { continue }
            if job.uid == nil, jobs[job.name] != nil { continue }
            if !job.status.isFinished { job.status = .deleted }
            job.deletedAt = now
            job.pendingReason = job.status == .deleted ? "deleted while nobody watched" : job.pendingReason
            writes.append(.job(job))
        }
        return writes
    }

    /// The Job's projection, written when it differs from the last one.
    private mutating func project(_ name: String, now: Date) -> [HistoryWrite] {
        guard let job = jobs[name] else { return [] }
        let jobPods = pods.values.filter { jobName(of: $0) == name }
        let claimName = job.spec.template.spec.volumes.compactMap(\.claimName).first
        var related = warnings[name, default: []]
        for pod in jobPods { related += warnings[pod.metadata.name ?? "", default: []] }
        if let claimName { related += warnings[claimName, default: []] }
        related.sort { ($0.lastTimestamp ?? .distantPast) < ($1.lastTimestamp ?? .distantPast) }
        var projected = JobProjection.agentJob(job: job, pods: jobPods, claim: claimName.flatMap { claims[$0] },
            warnings: related, context: context)
        if projected.status == .queued { placeInLine(&projected, name: name, now: now) }
        var writes: [HistoryWrite] = []
        if let previous = written[name], previous.status != .failed, projected.status == .failed,
            let uid = projected.uid
        {
            writes.append(.marker(PhaseMarker(jobID: projected.id, kind: .failure, time: projected.finishedAt ?? now,
                detail: projected.pendingReason.map { String($0.prefix(120)) }), sourceID: "k8s:failure:\(uid)"))
        }
        if written[name] != projected {
            written[name] = projected
            writes.insert(.job(projected), at: 0)
        }
        return writes
    }

    // MARK: - Queues

    /// The queued Jobs' projections again (but `except`'s, just made): one Job starting,
    /// finishing or changing priority moves the others in line.
    private mutating func requeue(except: String?, now: Date) -> [HistoryWrite] {
        guard queues.isConfigured else { return [] }
        let queued = jobs.filter { $0.key != except && JobProjection.status(of: $0.value) == .queued }.keys.sorted()
        return queued.flatMap { project($0, now: now) }
    }

    /// A queued Job's place in line and why it waits.
    private mutating func placeInLine(_ job: inout AgentJob, name: String, now: Date) {
        if plan == nil || abs(now.timeIntervalSince(plan?.at ?? now)) > 1 {
            plan = (now, AdmissionPlan(queues: queues, jobs: jobs.values.map(AdmissionCandidate.init(job:)), now: now,
                budgetSpent: budgetSpent))
        }
        guard let entry = plan?.plan.entry(name) else { return }
        job.queuePosition = entry.position
        job.pendingReason = JobProjection.clean(QueueReport.reason(entry, mode: admission,
            admitterHeld: leaseKnown ? lease?.isHeld(at: now) == true : nil, kueueReason: kueueReasons[name]))
    }

    /// The Job a Workload was made for (its controller owner).
    public static func owningJob(_ workload: JSONValue) -> String? {
        ObjectMeta(json: workload["metadata"] ?? .emptyObject).controllerReference.flatMap { $0.kind == "Job" ? $0.name : nil }
    }

    /// Kueue's one line on a Workload not admitted yet: its `QuotaReserved` (else `Admitted`)
    /// condition's message when that is False; `nil` once admitted.
    public static func kueueReason(_ workload: JSONValue) -> String? {
        let conditions = workload[path: ["status", "conditions"]]?.arrayValue ?? []
        func condition(_ type: String) -> JSONValue? { conditions.first { $0["type"]?.stringValue == type } }
        if condition("Admitted")?["status"]?.stringValue == "True" { return nil }
        for type in ["QuotaReserved", "Admitted"] {
            guard let found = condition(type), found["status"]?.stringValue == "False" else { continue }
            let text = found["message"]?.stringValue ?? found["reason"]?.stringValue ?? ""
            if !text.isEmpty { return JobProjection.clean(text, limit: 200) }
        }
        return nil
    }

    /// Restarts of a pod's containers, and a retry when a Job gets another pod.
    private mutating func markers(for pod: Pod, now: Date) -> [HistoryWrite] {
        guard let podName = pod.metadata.name, let uid = pod.metadata.uid, let jobName = jobName(of: pod),
            let job = jobs[jobName]
        else { return [] }
        let jobID = JobProjection.jobID(job)
        var writes: [HistoryWrite] = []
        var seen = podsSeen[jobName, default: []]
        if !seen.contains(podName) {
            if !seen.isEmpty {
                writes.append(.marker(PhaseMarker(jobID: jobID, kind: .retry, time: pod.metadata.creationTimestamp ?? now,
                    detail: "pod \(JobProjection.clean(podName, limit: 80))"), sourceID: "k8s:retry:\(uid)"))
            }
            seen.insert(podName)
            podsSeen[jobName] = seen
        }
        var counts = restarts[podName, default: [:]]
        for container in pod.status.containerStatuses + pod.status.initContainerStatuses {
            guard let name = container.name, let count = container.restartCount else { continue }
            let before = counts[name] ?? 0
            if count > before {
                let last = container.json[path: ["lastState", "terminated"]]
                let reason = last?["reason"]?.stringValue ?? "restarted"
                let code = last?["exitCode"]?.int64Value.map { " (exit \($0))" } ?? ""
                let time = last?["finishedAt"]?.stringValue.flatMap(RFC3339.date(from:)) ?? now
                writes.append(.marker(PhaseMarker(jobID: jobID, kind: .podRestart, time: time,
                    detail: JobProjection.clean("\(name): \(reason)\(code)", limit: 120)),
                    sourceID: "k8s:restart:\(uid):\(name):\(count)"))
            }
            counts[name] = max(before, count)
        }
        restarts[podName] = counts
        return writes
    }

    private func jobName(of pod: Pod) -> String? {
        pod.metadata.labels["batch.kubernetes.io/job-name"] ?? pod.metadata.labels["job-name"]
            ?? pod.metadata.controllerReference.flatMap { $0.kind == "Job" ? $0.name : nil }
    }

    private func jobsUsing(claim: String) -> [String] {
        jobs.filter { $0.value.spec.template.spec.volumes.contains { $0.claimName == claim } }.map(\.key).sorted()
    }
}

