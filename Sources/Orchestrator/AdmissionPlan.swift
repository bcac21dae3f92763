import FlightdeckCore
import AgentManifests
import Foundation
import KubeModel

/// Which queued agent Jobs to admit now, and for every one that waits: its queue, effective
/// priority, position and the one-line reason it waits. Pure: queues, Jobs and `now` in.
///
/// The rules, per queue:
/// - Order: effective priority (high > normal > low), then submission order (first come first
///   served; the Job name breaks a tie within the same second, so the order is stable).
/// - Promotion: a Job waiting at least the queue's `promoteAfter` counts one level higher
///   (`TaskPriority.raised`), so a steady stream of urgent work cannot starve it forever.
/// - Admission walks that order while the queue's running count stays within `limit` and the
///   running Jobs' requests within its `cpu` and `memory` quotas. It stops at the first Job that
///   does not fit (strict FIFO, as Kueue's `StrictFIFO`): letting smaller Jobs past would starve
///   a large urgent one. A Job that could never fit (it alone needs more than the quota) is
///   passed over instead of blocking the queue for good.
/// - A queue whose budget for today is spent (`budgetSpent`) admits nothing.
/// - A Job naming a queue the config does not have waits, saying so.
public struct AdmissionPlan: Sendable, Hashable {
    /// One queued Job's place.
    public struct Entry: Sendable, Hashable {
        public var id: String
        /// The queue it waits in (the default queue's name for a Job that names none).
        public var queue: String
        /// Its priority after promotion for age.
        public var priority: TaskPriority
        /// Whether `priority` is higher than the one it was submitted with.
        public var promoted: Bool
        /// 1-based, among the queue's queued Jobs (those admitted now included).
        public var position: Int
        /// Why it waits (`queue homelab: 3/3 running`); `nil` when it is admitted now.
        public var reason: String?

        public var isAdmitted: Bool { reason == nil }
    }

    /// Every queued Job: queue by queue in the config's order (unknown queues last, by name),
    /// each in position order.
    public private(set) var entries: [Entry]
    /// The Jobs to admit now, in admission order.
    public private(set) var admit: [String]

    public init(queues: QueueConfiguration, jobs: [AdmissionCandidate], now: Date, budgetSpent: Set<String> = []) {
        var byQueue: [String: [AdmissionCandidate]] = [:]
        for job in jobs { byQueue[job.queue ?? queues.defaultQueueName, default: []].append(job) }
        var entries: [Entry] = []
        var admit: [String] = []
        for queue in queues.queues {
            let planned = Self.plan(queue, jobs: byQueue[queue.name] ?? [], now: now,
                budgetSpent: budgetSpent.contains(queue.name))
            entries += planned
            admit += planned.filter(\.isAdmitted).map(\.id)
        }
        let unknown = byQueue.keys.filter { queues.queue(named: $0) == nil }.sorted()
        for name in unknown {
            let waiting = byQueue[name, default: []].filter { $0.state == .queued }.sorted(by: Self.fifo)
            for (index, job) in waiting.enumerated() {
                entries.append(Entry(id: job.id, queue: name, priority: job.priority, promoted: false, position: index + 1,
                    reason: "queue \(name) is not configured (\(queues.names))"))
            }
        }
        self.entries = entries
        self.admit = admit
    }

    /// The entry of queued Job `id`.
    public func entry(_ id: String) -> Entry? { entries.first { $0.id == id } }

    private static func plan(_ queue: QueueSettings, jobs: [AdmissionCandidate], now: Date, budgetSpent: Bool) -> [Entry] {
        let running = jobs.filter { $0.state == .running }
        var count = running.count
        var cpu = running.reduce(Decimal(0)) { $0 + ($1.cpu?.value ?? 0) }
        var memory = running.reduce(Decimal(0)) { $0 + ($1.memory?.value ?? 0) }

        let waiting = jobs.filter { $0.state == .queued }.map { job in
            (job: job, priority: effectivePriority(job, promoteAfter: queue.promoteAfter, now: now))
        }.sorted { lhs, rhs in
            lhs.priority != rhs.priority ? lhs.priority > rhs.priority : fifo(lhs.job, rhs.job)
        }

        let name = queue.name
        // A reason that holds for every Job after the one that set it.
        var blocked: String? = budgetSpent ? "queue \(name): budget for today spent" : nil
        var entries: [Entry] = []
        for (index, candidate) in waiting.enumerated() {
            let job = candidate.job
            var entry = Entry(id: job.id, queue: name, priority: candidate.priority,
                promoted: candidate.priority > job.priority, position: index + 1, reason: nil)
            defer { entries.append(entry) }
            if let blocked {
                entry.reason = blocked
                continue
            }
            if let limit = queue.limit, count >= limit {
                // Those admitted in this plan have not started yet: say so, not "running".
                let starting = count - running.count
                let reason = "queue \(name): \(running.count)/\(limit) running"
                    + (starting > 0 ? ", \(starting) starting" : "")
                blocked = reason
                entry.reason = reason
                continue
            }
            let needsCPU = job.cpu?.value ?? 0
            let needsMemory = job.memory?.value ?? 0
            if let quota = queue.cpu?.value, needsCPU > quota {
                entry.reason = "queue \(name): needs cpu \(cores(needsCPU)), more than the queue's quota of \(cores(quota))"
                continue
            }
            if let quota = queue.memory?.value, needsMemory > quota {
                entry.reason = "queue \(name): needs memory \(bytes(needsMemory)), more than the queue's quota of \(bytes(quota))"
                continue
            }
            var shortfall: String?
            if let quota = queue.cpu?.value, cpu + needsCPU > quota {
                shortfall = "cpu \(cores(cpu))/\(cores(quota)) in use, needs \(cores(needsCPU))"
            } else if let quota = queue.memory?.value, memory + needsMemory > quota {
                shortfall = "memory \(bytes(memory))/\(bytes(quota)) in use, needs \(bytes(needsMemory))"
            }
            if let shortfall {
                entry.reason = "queue \(name): \(shortfall)"
                blocked = "queue \(name): waiting behind \(job.id) (\(shortfall))"
                continue
            }
            count += 1
            cpu += needsCPU
            memory += needsMemory
        }
        return entries
    }

    /// The priority `job` counts with at `now`: one level up once it has waited `promoteAfter`.
    static func effectivePriority(_ job: AdmissionCandidate, promoteAfter: TimeInterval?, now: Date) -> TaskPriority {
        guard let promoteAfter, now.timeIntervalSince(job.submitted) >= promoteAfter else { return job.priority }
        return job.priority.raised
    }

    /// First come first served; the name breaks a tie (creation times have whole seconds).
    static func fifo(_ lhs: AdmissionCandidate, _ rhs: AdmissionCandidate) -> Bool {
        lhs.submitted != rhs.submitted ? lhs.submitted < rhs.submitted : lhs.id < rhs.id
    }

    /// Cores as people write them: `4`, `3.5`, `0.25`.
    public static func cores(_ value: Decimal) -> String { rounded(value, places: 3) }

    /// Bytes in the largest binary unit that keeps it readable: `512Mi`, `1.5Gi`, `16Gi`.
    public static func bytes(_ value: Decimal) -> String {
        let gibi = Decimal(1 << 30)
        let mebi = Decimal(1 << 20)
        if value >= gibi { return rounded(value / gibi, places: 2) + "Gi" }
        if value >= mebi { return rounded(value / mebi, places: 1) + "Mi" }
        return rounded(value, places: 0)
    }

    private static func rounded(_ value: Decimal, places: Int) -> String {
        var input = value
        var result = Decimal()
        NSDecimalRound(&result, &input, places, .plain)
        return "\(result)"
    }
}
