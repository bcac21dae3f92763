import AgentManifests
import CockpitUI
import FlightdeckCore
import Foundation
import HistoryStore
import Orchestrator

extension JobUsage {
    /// One job's use (`usage`: per model, as history sums it) priced by `prices`, with its
    /// task's `budget`: the one place the cockpit and `flightdeck jobs` decide what a job cost
    /// and whether it went over its budget.
    public init(_ usage: [TokenUsage], prices: PriceTable, budget: TaskBudget?) {
        let total = CostAccounting.total(usage)
        let cost = CostAccounting.cost(of: usage, prices: prices)
        self.init(inputTokens: total.inputTokens, outputTokens: total.outputTokens, knownCost: cost.known,
            unpriced: !cost.isComplete, currency: prices.currency, budget: budget)
    }

    /// The use of each of `jobIDs` that reported tokens, priced, with its task's budget. The
    /// tasks (kilobytes each) are read only for those jobs, in chunks SQLite's argument limit
    /// takes; a job's spec that does not decode has no budget.
    public static func read(jobIDs: [String], store: HistoryStore, prices: PriceTable) throws -> [String: JobUsage] {
        let used = try store.usage(jobs: jobIDs)
        guard !used.isEmpty else { return [:] }
        var budgets: [String: TaskBudget] = [:]
        let ids = used.keys.sorted()
        for start in stride(from: 0, to: ids.count, by: 500) {
            let chunk = Set(ids[start..<min(start + 500, ids.count)])
            for job in try store.jobs(JobQuery(ids: chunk, withTask: true)) {
                if let budget = TaskSpec.budget(of: job) { budgets[job.id] = budget }
            }
        }
        return used.reduce(into: [:]) { result, entry in
            result[entry.key] = JobUsage(entry.value, prices: prices, budget: budgets[entry.key])
        }
    }
}
