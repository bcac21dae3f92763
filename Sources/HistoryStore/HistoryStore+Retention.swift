import FlightdeckCore
import Foundation
import GRDB

extension HistoryStore {
    /// Deletes the jobs the policy lets go, with their trace, phases and markers.
    ///
    /// A job's trace goes newest-first in transactions of `chunk` records, then the job row
    /// with its phases and markers: the write lock is only ever held briefly, so live
    /// ingestion (here or in another process) keeps flowing through a prune of millions of
    /// records, and an interrupted prune leaves every trace a dense prefix `1...n`, which
    /// the next prune finishes.
    @discardableResult
    public func prune(_ policy: RetentionPolicy, now: Date = Date(), chunk: Int = 50_000) throws -> PruneReport {
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
        let chunk = Int64(max(1, chunk))
        for id in victims {
            while true {
                let deleted: Int = try writeImmediate { db in
                    let last = try Int64.fetchOne(db, sql: "SELECT max(seq) FROM trace WHERE job = ?", arguments: [id]) ?? 0
                    guard last > 0 else { return 0 }
                    try db.execute(
                        sql: "DELETE FROM trace WHERE job = ? AND seq > ?", arguments: [id, max(0, last - chunk)])
                    return db.changesCount
                }
                if deleted == 0 { break }
                report.records += deleted
            }
            try writeImmediate { db in
                try db.execute(sql: "DELETE FROM jobs WHERE id = ?", arguments: [id])
                if db.changesCount > 0 { report.jobs += 1 }
            }
        }
        if report.jobs > 0 { try? checkpoint() }
        return report
    }
}
