import Foundation

/// Kueue's scheduling decision for one ClusterQueue, without a store: which pending
/// Workloads get quota now and, for the others, the sentence Kueue writes on their
/// `QuotaReserved` condition.
///
/// What it models (Kueue v1beta1, one flavor per resource group, no cohorts/borrowing, no
/// preemption): pending Workloads are taken by `priority` (higher first), then creation time
/// (older first), then the order the controller saw them created, then name. Creation times
/// have one-second resolution on the wire, so Workloads made within a second tie; Kueue then
/// takes them in no defined order, the sim in arrival order so tests are deterministic. A Workload is admitted when, for every resource it requests, usage plus
/// its request stays within the nominal quota of the flavor covering that resource.
/// - `StrictFIFO`: the first Workload that does not fit blocks every one behind it.
/// - `BestEffortFIFO`: a Workload that does not fit is skipped and smaller ones behind it may
///   be admitted.
/// A Workload requesting a resource no resource group covers can never be admitted
/// ("resource memory unavailable in ClusterQueue"), nor one whose request exceeds the
/// nominal quota ("request > maximum capacity"); under StrictFIFO such a head still blocks,
/// as in Kueue (its requeue puts it back at the head).
public struct KueueScheduler: Sendable {
    public enum Strategy: String, Sendable, Hashable {
        case strictFIFO = "StrictFIFO"
        case bestEffortFIFO = "BestEffortFIFO"
    }

    /// The quota side of a ClusterQueue.
    public struct Queue: Sendable, Hashable {
        public var name: String
        public var strategy: Strategy
        /// Resource → the flavor that covers it (the first flavor of its resource group).
        public var flavorFor: [String: String]
        /// Flavor → resource → nominal quota.
        public var nominal: [String: [String: Decimal]]
        /// Flavor → resource → what admitted, unfinished Workloads hold.
        public var usage: [String: [String: Decimal]]

        public init(name: String, strategy: Strategy, flavorFor: [String: String],
            nominal: [String: [String: Decimal]], usage: [String: [String: Decimal]] = [:])
        {
            self.name = name
            self.strategy = strategy
            self.flavorFor = flavorFor
            self.nominal = nominal
            self.usage = usage
        }
    }

    /// A pending Workload, as the scheduler sees it.
    public struct Candidate: Sendable, Hashable {
        /// `namespace/name`.
        public var key: String
        public var priority: Int
        public var created: Date
        public var podSetName: String
        public var requests: KueuePodSetRequests
        /// When the controller first saw it (lower: earlier); breaks ties of `created`.
        public var arrival: Int

        public init(key: String, priority: Int, created: Date, podSetName: String = "main",
            requests: KueuePodSetRequests, arrival: Int = 0)
        {
            self.key = key
            self.priority = priority
            self.created = created
            self.podSetName = podSetName
            self.requests = requests
            self.arrival = arrival
        }
    }

    /// What becomes of one candidate.
    public enum Decision: Sendable, Hashable {
        /// Quota reserved: resource → flavor, and the usage taken (resource → amount).
        case admit(flavors: [String: String], usage: [String: Decimal])
        /// Stays pending, with Kueue's message.
        case pending(message: String)
        /// Not tried: it is behind a StrictFIFO head that does not fit. Kueue never pops it,
        /// so it writes nothing on it (a new Workload has no `QuotaReserved` condition yet).
        case notTried
    }

    public init() {}

    /// Kueue's queue order: priority descending, then creation time, then arrival, then key.
    public static func ordered(_ candidates: [Candidate]) -> [Candidate] {
        candidates.sorted { a, b in
            if a.priority != b.priority { return a.priority > b.priority }
            if a.created != b.created { return a.created < b.created }
            if a.arrival != b.arrival { return a.arrival < b.arrival }
            return a.key < b.key
        }
    }

    /// Decides every candidate of `queue`, in queue order; the queue's usage grows by what
    /// is admitted.
    public static func schedule(_ queue: inout Queue, _ candidates: [Candidate]) -> [(Candidate, Decision)] {
        var results: [(Candidate, Decision)] = []
        var blocked = false
        for candidate in ordered(candidates) {
            let outcome = fit(candidate, in: queue)
            switch outcome {
            case .admit(let flavors, let usage) where !blocked:
                for (resource, amount) in usage {
                    let flavor = flavors[resource] ?? ""
                    queue.usage[flavor, default: [:]][resource, default: 0] += amount
                }
                results.append((candidate, outcome))
            case .admit, .notTried:
                results.append((candidate, .notTried))
            case .pending where blocked:
                results.append((candidate, .notTried))
            case .pending:
                results.append((candidate, outcome))
                if queue.strategy == .strictFIFO { blocked = true }
            }
        }
        return results
    }

    /// Whether `candidate` fits `queue` now, and if not, why (Kueue's flavor assigner's words).
    public static func fit(_ candidate: Candidate, in queue: Queue) -> Decision {
        let prefix = "couldn't assign flavors to pod set \(candidate.podSetName): "
        var flavors: [String: String] = [:]
        var reasons: [String] = []
        for resource in candidate.requests.total.keys.sorted() {
            let amount = candidate.requests.total[resource] ?? 0
            guard amount > 0 else { continue }
            guard let flavor = queue.flavorFor[resource] else {
                return .pending(message: prefix + "resource \(resource) unavailable in ClusterQueue")
            }
            flavors[resource] = flavor
            let nominal = queue.nominal[flavor]?[resource] ?? 0
            let used = queue.usage[flavor]?[resource] ?? 0
            if amount > nominal {
                reasons.append("insufficient quota for \(resource) in flavor \(flavor), request > maximum capacity")
            } else if used + amount > nominal {
                let needed = KueuePodSetRequests.format(used + amount - nominal, resource: resource)
                reasons.append("insufficient unused quota for \(resource) in flavor \(flavor), \(needed) more needed")
            }
        }
        guard reasons.isEmpty else { return .pending(message: prefix + reasons.joined(separator: ", ")) }
        return .admit(flavors: flavors, usage: candidate.requests.total.filter { $0.value > 0 })
    }
}
