import Foundation

/// The jobs' token use and cost as last read from history, and which jobs are due to be read
/// again: records that report `usage` mark their job, and the marks are read together a
/// second after the first of them (`CockpitState.usageCoalesceSeconds`), one read at a time —
/// never per record or per frame.
public struct UsageState: Sendable, Hashable {
    /// By job id; a job that reported no tokens is absent.
    public internal(set) var byJob: [String: JobUsage] = [:]
    /// Jobs whose use may have changed since it was read.
    var stale: Set<String> = []
    /// When the first of `stale` was marked (the clock's last tick then).
    var staleSince: Date?
    /// When the read in flight was asked for; `nil`: none is. One lost (a store error) is
    /// given up after `CockpitState.usageAnswerSeconds`.
    var requestedAt: Date?

    public init() {}

    public subscript(jobID: String) -> JobUsage? { byJob[jobID] }

    /// No listed job reported tokens: the jobs pane has no TOKENS and COST columns then.
    public var isEmpty: Bool { byJob.isEmpty }
}
