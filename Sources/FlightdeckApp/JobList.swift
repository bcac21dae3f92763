import AgentManifests
import FlightdeckCore
import Foundation
import HistoryStore
import KubeClient

/// `flightdeck jobs`: the agent Jobs as history knows them once it is brought up to date with
/// the cluster. Jobs the cluster has already deleted are still listed, marked.
public enum JobList {
    /// One reconcile pass into `store`. When the cluster does not answer, history still
    /// does: returns the line saying why the list may be stale; `nil` once it is current.
    public static func refresh(store: HistoryStore, connection: ClusterConnection, queues: QueueConfiguration,
        timeout: Duration = .seconds(20)) async -> String?
    {
        do {
            try await ClusterSync.once(connection: connection, store: store, queues: queues, timeout: timeout)
            return nil
        } catch {
            return "showing history only: \((error as? OperatorError)?.message ?? "\(error)")"
        }
    }

    /// The newest `limit` jobs of `namespace` (every namespace when `nil`), read off the
    /// cooperative pool.
    public static func jobs(store: HistoryStore, namespace: String?, limit: Int) async throws -> [AgentJob] {
        try await store.reading { try $0.jobs(JobQuery(namespace: namespace, limit: limit)) }
    }

    /// The table's rows, the header first: name, status (marked when the cluster deleted the
    /// Job), retries of the backoff limit, node, age at `now`, and why it waits.
    public static func rows(_ jobs: [AgentJob], now: Date) -> [[String]] {
        var rows = [["NAME", "STATUS", "RETRIES", "NODE", "AGE", "WHY"]]
        for job in jobs {
            var status = job.status.rawValue
            if job.deletedAt != nil, job.status != .deleted { status += " (deleted)" }
            rows.append([
                job.name, status, "\(job.retries)/\(job.backoffLimit.map(String.init) ?? "-")", job.node ?? "-",
                job.createdAt.map { DurationText.short(now.timeIntervalSince($0)) } ?? "-",
                job.pendingReason ?? "",
            ])
        }
        return rows
    }

    /// The whole listing as printed: a terminal-safe table, or one JSON object per job.
    public static func render(_ jobs: [AgentJob], format: ListFormat, now: Date) throws -> String {
        switch format {
        case .table: TextTable.render(rows(jobs, now: now))
        case .json: try jobs.map { try JSONLines.encode($0) + "\n" }.joined()
        }
    }
}
