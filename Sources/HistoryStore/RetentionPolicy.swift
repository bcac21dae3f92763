import Foundation

/// Which finished jobs to forget. Jobs still pending, suspended or running are always kept.
public struct RetentionPolicy: Sendable, Hashable {
    /// Forget finished jobs whose last activity is older than this many days.
    public var maxAgeDays: Double?
    /// Keep only this many most recent jobs (running ones count, but are never removed).
    public var keepLast: Int?

    public init(maxAgeDays: Double? = nil, keepLast: Int? = nil) {
        self.maxAgeDays = maxAgeDays
        self.keepLast = keepLast
    }
}

/// What a prune removed.
public struct PruneReport: Sendable, Hashable {
    public var jobs = 0
    public var records = 0

    public init(jobs: Int = 0, records: Int = 0) {
        self.jobs = jobs
        self.records = records
    }
}
