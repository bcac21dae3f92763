import FlightdeckCore

/// Which jobs the list shows by status (`f` cycles).
public enum JobStatusFilter: String, Sendable, Hashable, CaseIterable {
    case all, active, running, queued, pending, failed, succeeded, deleted

    public func accepts(_ job: AgentJob) -> Bool {
        switch self {
        case .all: true
        case .active: !job.status.isFinished && job.deletedAt == nil
        case .running: job.status == .running
        case .queued: job.status == .queued
        case .pending: job.status == .pending || job.status == .suspended
        case .failed: job.status == .failed
        case .succeeded: job.status == .succeeded
        case .deleted: job.status == .deleted || job.deletedAt != nil
        }
    }

    var next: JobStatusFilter {
        JobStatusFilter.allCases[(JobStatusFilter.allCases.firstIndex(of: self)! + 1) % JobStatusFilter.allCases.count]
    }
}
