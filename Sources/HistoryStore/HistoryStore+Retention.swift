import FlightdeckCore
import Foundation
import GRDB

extension HistoryStore {
    /// Deletes the jobs the policy lets go, with their trace, phases and markers.
    ///
    /// One job per transaction, so live ingestion (here or in another process) interleaves
    /// with a long prune, and an interrupted prune leaves whole jobs only.
    @discardableResult
    public func prune(_ policy: RetentionPolicy, now: Date = Date()) throws -> PruneReport {
        let finished = [JobStatus.succeeded, .failed, .deleted].map(\.rawValue)
        let victims: [Int64] = try read { db in
            var ids = Set<Int64>()
            let activity = "coalesce(finished_at, updated_at, created_at)"
            if let days = policy.maxAgeDays {
                let cutoff = now.timeIntervalSince1970 - days * 86_400
                ids.formUnion(try Int64.fetchAll(
                    db,
                    sql: "SELECT id FROM jobs WHERE status IN (?, ?, ?) AND \(activity) < ?",
                    arguments: StatementArguments(finished) + [cutoff]))
            }
            if let keep = policy.keepLast {
                ids.formUnion(try Int64.fetchAll(
                    db,
                    sql: """
                        SELECT id FROM jobs WHERE status IN (?, ?, ?) AND id NOT IN (
                            SELECT id FROM jobs ORDER BY coalesce(created_at, updated_at) DESC, id DESC LIMIT ?)
                        """,
                    arguments: StatementArguments(finished) + [max(0, keep)]))
            }
            return ids.sorted()
        }
        var report = PruneReport()
        for id in victims {
            try writeImmediate { db in
                let records = try Int.fetchOne(db, sql: "SELECT count(*) FROM trace WHERE job = ?", arguments: [id]) ?? 0
                try db.execute(sql: "DELETE FROM jobs WHERE id = ?", arguments: [id])
                if db.changesCount > 0 {
                    report.jobs += 1
                    report.records += records
                }
            }
        }
        if report.jobs > 0 { try? checkpoint() }
        return report
    }
}
