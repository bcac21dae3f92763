import Foundation
import HistoryStore

/// `flightdeck history prune`: forgets finished jobs (with their trace) older than a number of
/// days and/or beyond the newest N; running jobs are always kept.
public enum HistoryPrune {
    /// Prunes `store` by `policy` and returns the line saying what went.
    public static func run(_ policy: RetentionPolicy, store: HistoryStore, now: Date = Date()) throws -> String {
        summary(try store.prune(policy, now: now), path: store.path)
    }

    /// `pruned 2 jobs and 1 trace record from PATH`.
    public static func summary(_ report: PruneReport, path: String) -> String {
        "pruned \(report.jobs) job\(report.jobs == 1 ? "" : "s") and \(report.records) trace record\(report.records == 1 ? "" : "s") from \(path)"
    }
}
