import AgentManifests
import CockpitUI
import FlightdeckCore
import Foundation
import HistoryStore
import KubeClient
import Orchestrator

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

    /// The model tokens `jobs` used, per job (by id) and model, read off the cooperative pool;
    /// a job that reported none is absent.
    public static func usage(store: HistoryStore, jobs: [AgentJob]) async throws -> [String: [TokenUsage]] {
        let ids = jobs.map(\.id)
        return try await store.reading { try $0.usage(jobs: ids) }
    }

    /// The table's rows, the header first: name, status (marked when the cluster deleted the
    /// Job), retries of the backoff limit, node, age at `now`, tokens used (`-`: none
    /// reported), their cost by `prices` (`?`: a model it used has no price) — each against the
    /// task's budget when it has one (`120k/100k`) — and why it waits, or that it went over its
    /// budget ("over budget: 120k/100k tokens").
    public static func rows(_ jobs: [AgentJob], usage: [String: [TokenUsage]] = [:], prices: PriceTable = PriceTable(),
        now: Date) -> [[String]]
    {
        var rows = [["NAME", "STATUS", "RETRIES", "NODE", "AGE", "TOKENS", "COST", "WHY"]]
        for job in jobs {
            var status = job.status.rawValue
            if job.deletedAt != nil, job.status != .deleted { status += " (deleted)" }
            let used = usage[job.id] ?? []
            let summary = JobUsage(used, prices: prices, budget: TaskSpec.budget(of: job))
            let why = [job.pendingReason, summary.overBudgetReason()].compactMap { $0 }.filter { !$0.isEmpty }
            rows.append([
                job.name, status, "\(job.retries)/\(job.backoffLimit.map(String.init) ?? "-")", job.node ?? "-",
                job.createdAt.map { DurationText.short(now.timeIntervalSince($0)) } ?? "-",
            ] + usageCells(summary, reported: !used.isEmpty) + [why.joined(separator: "; ")])
        }
        return rows
    }

    /// TOKENS and COST of one job, each over its budget when there is one (`0/100k` before it
    /// reported any).
    static func usageCells(_ usage: JobUsage, reported: Bool) -> [String] {
        var tokens = reported ? usage.tokensText : "-"
        var cost = reported ? usage.costText() : "-"
        if let limit = usage.budget?.tokens {
            tokens = (reported ? tokens : "0") + "/" + TokenCountText.short(limit)
        }
        if let limit = usage.budget?.cost {
            cost = (reported ? cost : CostText.amount(0, currency: usage.currency)) + "/"
                + CostText.amount(limit, currency: usage.currency)
        }
        return [tokens, cost]
    }

    /// The whole listing as printed: a terminal-safe table, or one JSON object per job (with
    /// `tokens`, `cost`, `budget` and `overBudget`, see `JobUsageEntry`).
    public static func render(_ jobs: [AgentJob], usage: [String: [TokenUsage]] = [:], prices: PriceTable = PriceTable(),
        format: ListFormat, now: Date) throws -> String
    {
        switch format {
        case .table: TextTable.render(rows(jobs, usage: usage, prices: prices, now: now))
        case .json:
            try jobs.map { try JSONLines.encode(JobUsageEntry(job: $0, usage: usage[$0.id] ?? [], prices: prices)) + "\n" }.joined()
        }
    }
}
