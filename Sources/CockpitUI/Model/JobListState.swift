import FlightdeckCore
import Foundation

/// The job list: every job the last snapshot had, and the sorted, filtered view of them.
public struct JobListState: Sendable, Hashable {
    public internal(set) var all: [AgentJob] = []
    /// `all`, filtered and sorted: what the pane shows, recomputed when any input changes.
    public internal(set) var visible: [AgentJob] = []
    public internal(set) var selectedID: String?
    /// Jobs marked for the interleaved trace.
    public internal(set) var marked: Set<String> = []
    public internal(set) var sort: JobSort = .age
    public internal(set) var descending = true
    public internal(set) var statusFilter: JobStatusFilter = .all
    public internal(set) var textFilter = ""
    /// First visible row, kept so the selection stays on screen.
    public internal(set) var top = 0

    public init() {}

    public var selectedIndex: Int? { visible.firstIndex { $0.id == selectedID } }
    public var selected: AgentJob? { selectedIndex.map { visible[$0] } ?? all.first { $0.id == selectedID } }

    public func job(id: String) -> AgentJob? { all.first { $0.id == id } }

    /// Refilters and resorts after a change of jobs, sort or filter.
    mutating func refresh() {
        let text = textFilter.lowercased()
        var jobs = all.filter { job in
            guard statusFilter.accepts(job) else { return false }
            guard !text.isEmpty else { return true }
            let haystack = [job.name, job.phase?.rawValue ?? "", job.node ?? "", job.status.rawValue, job.pendingReason ?? ""]
            return haystack.contains { $0.lowercased().contains(text) }
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
        visible = jobs
    }

    /// Failed first in ascending order: what needs attention.
    private static func statusRank(_ status: JobStatus) -> Int {
        switch status {
        case .failed: 0
        case .pending: 1
        case .suspended: 2
        case .running: 3
        case .succeeded: 4
        case .deleted: 5
        }
    }
}
