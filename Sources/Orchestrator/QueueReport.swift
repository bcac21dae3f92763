import AgentManifests
import FlightdeckCore
import Foundation
import KubeModel

/// The task queues as an operator asks after them (`flightdeck queue`, the cockpit's reasons):
/// per queue what runs, what waits and what its quotas hold; per waiting Job its place and
/// why it waits. Pure: the config, the namespace's Jobs, the admission Lease and (under Kueue)
/// Kueue's reasons in.
public struct QueueReport: Sendable, Hashable {
    /// One queue's state.
    public struct Queue: Sendable, Hashable {
        public var name: String
        public var isDefault: Bool
        public var limit: Int?
        public var running: Int
        public var waiting: Int
        /// CPU requested by its running Jobs (cores), and its quota.
        public var cpu: Decimal
        public var cpuQuota: Decimal?
        /// Memory requested by its running Jobs (bytes), and its quota.
        public var memory: Decimal
        public var memoryQuota: Decimal?
        public var promoteAfter: TimeInterval?
        public var budget: QueueBudget?
        /// Model tokens its jobs used today (`nil`: not known); against `budget?.tokensPerDay`.
        public var tokensToday: Int64?
        /// What its jobs cost today, priced models only (`nil`: not known); against
        /// `budget?.costPerDay`.
        public var costToday: Decimal?
        /// Models its jobs used today that the price table does not price (their use does not
        /// count toward `costPerDay`).
        public var unpricedModels: [String] = []
        public var budgetSpent: Bool
    }

    /// One waiting Job.
    public struct Waiting: Sendable, Hashable {
        public var job: String
        public var queue: String
        /// As submitted, and as it counts now (raised for its wait).
        public var priority: TaskPriority
        public var effectivePriority: TaskPriority
        public var position: Int
        public var submitted: Date
        public var reason: String
    }

    /// Who admits: Flightdeck's keepers, Kueue, or nobody needs to (no queues configured).
    public var mode: AdmissionMode
    /// The keeper holding the admission Lease now, under Flightdeck's admission.
    public var admitter: String?
    public var queues: [Queue]
    /// Every waiting Job, queue by queue in position order.
    public var waiting: [Waiting]

    public init(queues config: QueueConfiguration, jobs: [Job], mode: AdmissionMode, lease: Lease?,
        kueueReasons: [String: String] = [:], usageToday: [String: [TokenUsage]]? = nil, now: Date)
    {
        let candidates = jobs.map(AdmissionCandidate.init(job:))
        let spent = usageToday.map { QueueBudgets.spent(config, usageToday: $0) } ?? []
        let plan = AdmissionPlan(queues: config, jobs: candidates, now: now, budgetSpent: spent)
        let held = lease?.isHeld(at: now) == true ? lease?.holderIdentity : nil
        self.mode = mode
        admitter = mode == .flightdeck ? held : nil
        queues = config.queues.map { settings in
            let mine = candidates.filter { ($0.queue ?? config.defaultQueueName) == settings.name }
            let running = mine.filter { $0.state == .running }
            let cost = usageToday.map { CostAccounting.cost(of: $0[settings.name] ?? [], prices: config.prices) }
            return Queue(name: settings.name, isDefault: settings.name == config.defaultQueueName, limit: settings.limit,
                running: running.count, waiting: mine.filter { $0.state == .queued }.count,
                cpu: running.reduce(0) { $0 + ($1.cpu?.value ?? 0) }, cpuQuota: settings.cpu?.value,
                memory: running.reduce(0) { $0 + ($1.memory?.value ?? 0) }, memoryQuota: settings.memory?.value,
                promoteAfter: settings.promoteAfter, budget: settings.budget,
                tokensToday: usageToday.map { CostAccounting.total($0[settings.name] ?? []).total }, costToday: cost?.known,
                unpricedModels: cost?.unpricedModels ?? [], budgetSpent: spent.contains(settings.name))
        }
        let submitted = Dictionary(candidates.map { ($0.id, $0) }) { first, _ in first }
        waiting = plan.entries.map { entry in
            let candidate = submitted[entry.id]
            return Waiting(job: entry.id, queue: entry.queue, priority: candidate?.priority ?? entry.priority,
                effectivePriority: entry.priority, position: entry.position, submitted: candidate?.submitted ?? now,
                reason: Self.reason(entry, mode: mode, admitterHeld: held != nil, kueueReason: kueueReasons[entry.id]))
        }
    }

    /// Kueue's reason for each Job it has not admitted, from the namespace's Workloads.
    public static func kueueReasons(workloads: [JSONValue]) -> [String: String] {
        var reasons: [String: String] = [:]
        for workload in workloads {
            if let job = ReconcileState.owningJob(workload), let reason = ReconcileState.kueueReason(workload) {
                reasons[job] = reason
            }
        }
        return reasons
    }

    /// Why a queued Job waits, in one line: its queue's state from the plan; for the head of
    /// the line, whether anything admits it (`admitterHeld` `nil`: not known, nothing said);
    /// under Kueue, Kueue's own words when it gave some.
    public static func reason(_ entry: AdmissionPlan.Entry, mode: AdmissionMode, admitterHeld: Bool?,
        kueueReason: String?) -> String
    {
        var reason: String
        switch mode {
        case .kueue:
            reason = kueueReason.map { "Kueue: " + $0 } ?? entry.reason ?? "waiting for Kueue to admit it"
        case .flightdeck, .immediate:
            if let why = entry.reason {
                reason = why
            } else if admitterHeld == true {
                reason = "next in queue \(entry.queue): being started"
            } else if admitterHeld == nil {
                reason = "next in queue \(entry.queue)"
            } else {
                reason = "next in queue \(entry.queue), but nothing admits it: no keeper holds the admission lease "
                    + "(run `flightdeck record`)"
            }
        }
        if entry.promoted { reason += " (raised to \(entry.priority) for its wait)" }
        return reason
    }
}
