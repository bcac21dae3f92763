import FlightdeckCore
import Foundation

/// The job list: every job the last snapshot had (and the changes since), and the sorted,
/// filtered view of them.
public struct JobListState: Sendable, Hashable {
    public private(set) var all: [AgentJob] = []
    /// `all`, filtered and sorted: what the pane shows, recomputed when any input changes.
    public private(set) var visible: [AgentJob] = []
    /// While only the first page of a long history is here (the rest is on its way): how many
    /// jobs there are in all.
    public internal(set) var pendingTotal: Int?
    /// Where each job is in `all` and in `visible`: a long history has thousands.
    private var indexInAll: [String: Int] = [:]
    private var indexInVisible: [String: Int] = [:]
    public internal(set) var selectedID: String?
    /// Jobs marked for the interleaved trace.
    public internal(set) var marked: Set<String> = []
    public internal(set) var sort: JobSort = .age
    public internal(set) var descending = true
    public internal(set) var statusFilter: JobStatusFilter = .all
    public internal(set) var textFilter = ""
    /// Jobs waiting in a task queue (the title counts them).
    public private(set) var queuedCount = 0
    /// First visible row, kept so the selection stays on screen.
    public internal(set) var top = 0

    public init() {}

    public var selectedIndex: Int? { selectedID.flatMap { indexInVisible[$0] } }
    public var selected: AgentJob? { selectedIndex.map { visible[$0] } ?? selectedID.flatMap(job(id:)) }

    public func job(id: String) -> AgentJob? { indexInAll[id].map { all[$0] } }

    /// Whether the list shows `id` (with the filters as they are).
    public func isVisible(_ id: String) -> Bool { indexInVisible[id] != nil }

    /// How many jobs there are, also while only the first page has come.
    public var total: Int { pendingTotal ?? all.count }

    /// Takes the rows of `ids` as they are now: each changed one replaced, a new one added,
    /// one gone from history (asked for, not among `jobs`) removed. The view is resorted only
    /// when a change can move a row: a new or removed job, or a changed sort or filter field.
    mutating func update(ids: Set<String>, jobs: [AgentJob]) {
        var moved = false
        var found = Set<String>()
        for job in jobs {
            found.insert(job.id)
            if let index = indexInAll[job.id] {
                if !sameRank(all[index], job) { moved = true }
                all[index] = job
            } else {
                all.append(job)
                indexInAll[job.id] = all.count - 1
                moved = true
            }
        }
        let gone = ids.subtracting(found).filter { indexInAll[$0] != nil }
        if !gone.isEmpty {
            setAll(all.filter { !gone.contains($0.id) })
            moved = true
        }
        if moved {
            refresh()
        } else {
            for job in jobs { if let index = indexInVisible[job.id] { visible[index] = job } }
        }
    }

    /// A new snapshot of every job (or, with `pendingTotal`, the first page of one).
    mutating func setAll(_ jobs: [AgentJob], pendingTotal: Int? = nil) {
        all = jobs
        indexInAll = Self.positions(of: jobs)
        self.pendingTotal = pendingTotal
    }

    /// Whether `a` and `b` (one job, before and after) sort and filter alike.
    private func sameRank(_ a: AgentJob, _ b: AgentJob) -> Bool {
        guard statusFilter.accepts(a) == statusFilter.accepts(b), a.name == b.name else { return false }
        // A queued job's place orders it among its queue's, and the title counts them.
        if (a.status == .queued) != (b.status == .queued) || a.queuePosition != b.queuePosition || a.queue != b.queue {
            return false
        }
        if !textFilter.isEmpty, Self.haystack(a) != Self.haystack(b) { return false }
        switch sort {
        case .age: return a.createdAt == b.createdAt
        case .name: return true
        case .status: return a.status == b.status
        case .phase: return a.phase == b.phase
        }
    }

    private static func haystack(_ job: AgentJob) -> [String] {
        [job.name, job.phase?.rawValue ?? "", job.node ?? "", job.status.rawValue, job.pendingReason ?? "", job.queue ?? ""]
    }

    private static func positions(of jobs: [AgentJob]) -> [String: Int] {
        var positions = [String: Int](minimumCapacity: jobs.count)
        for (index, job) in jobs.enumerated() { positions[job.id] = index }
        return positions
    }

    /// Refilters and resorts after a change of jobs, sort or filter.
    mutating func refresh() {
        let text = textFilter.lowercased()
        var jobs = all.filter { job in
            guard statusFilter.accepts(job) else { return false }
            guard !text.isEmpty else { return true }
            return Self.haystack(job).contains { $0.lowercased().contains(text) }
        }
        let sort = sort
        jobs.sort { a, b in
            let ordered: Bool
            switch sort {
            case .age:
                let (ta, tb) = (a.createdAt ?? .distantPast, b.createdAt ?? .distantPast)
                ordered = ta == tb ? a.name > b.name : ta < tb
            case .name: ordered = a.name == b.name ? a.id < b.id : a.name < b.name
            case .status:
                ordered = a.status == b.status ? a.name < b.name : Self.statusRank(a.status) < Self.statusRank(b.status)
            case .phase:
                let (pa, pb) = (a.phase?.rawValue ?? "", b.phase?.rawValue ?? "")
                ordered = pa == pb ? a.name < b.name : pa < pb
            }
            return ordered
        }
        if descending { jobs.reverse() }
        Self.orderQueues(&jobs)
        visible = jobs
        queuedCount = all.reduce(0) { $0 + ($1.status == .queued && $1.deletedAt == nil ? 1 : 0) }
        indexInVisible = Self.positions(of: jobs)
    }

    /// Within each queue, its queued jobs by their place in line (the first on top), in the
    /// rows the sort gave that queue's jobs: the other jobs stay where the sort put them.
    static func orderQueues(_ jobs: inout [AgentJob]) {
        var rows: [String: [Int]] = [:]
        for (index, job) in jobs.enumerated() where job.status == .queued && job.queuePosition != nil {
            rows[job.queue ?? "", default: []].append(index)
        }
        for indices in rows.values where indices.count > 1 {
            let inLine: [AgentJob] = indices.map { jobs[$0] }.sorted { (a: AgentJob, b: AgentJob) -> Bool in
                let (pa, pb) = (a.queuePosition ?? 0, b.queuePosition ?? 0)
                return pa == pb ? a.name < b.name : pa < pb
            }
            for (index, job) in zip(indices, inLine) { jobs[index] = job }
        }
    }

    /// Failed first in ascending order: what needs attention.
    private static func statusRank(_ status: JobStatus) -> Int {
        switch status {
        case .failed: 0
        case .pending: 1
        case .suspended: 2
        case .queued: 3
        case .running: 4
        case .succeeded: 5
        case .deleted: 6
        }
    }
}
