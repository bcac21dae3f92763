import AgentManifests
import CockpitUI
import FlightdeckCore
import Foundation
import Orchestrator

/// One job of `flightdeck jobs -o json`: the job's own fields, then its token use and cost.
///
/// `tokens`: `{input, output, byModel: {model: {input, output}}}` (use without a model name
/// under `(unnamed)`). `cost`: the exact decimal as a string, in `currency` when the price
/// table names one; `null` when a model it used has no price (`unpricedModels` names them,
/// `pricedCost` is what the priced ones cost), since an unknown cost is not 0. `budget`: the
/// task's, `{tokens, cost}` (cost an exact decimal string; absent when the task has none), and
/// `overBudget`: whether the tokens or the priced cost went over it.
struct JobUsageEntry: Encodable {
    var job: AgentJob
    var usage: [TokenUsage]
    var prices: PriceTable

    private enum Key: String, CodingKey {
        case tokens, cost, pricedCost, unpricedModels, currency, budget, overBudget
    }

    private struct Tokens: Encodable {
        var input: Int64
        var output: Int64
        var byModel: [String: Counts]?
    }

    private struct Counts: Encodable {
        var input: Int64
        var output: Int64
    }

    func encode(to encoder: any Encoder) throws {
        try job.encode(to: encoder)
        var container = encoder.container(keyedBy: Key.self)
        let total = CostAccounting.total(usage)
        var byModel: [String: Counts] = [:]
        for entry in CostAccounting.byModel(usage) {
            byModel[entry.model ?? CostAccounting.unnamedModel] = Counts(input: entry.inputTokens, output: entry.outputTokens)
        }
        try container.encode(Tokens(input: total.inputTokens, output: total.outputTokens, byModel: byModel), forKey: .tokens)
        let cost = CostAccounting.cost(of: usage, prices: prices)
        if cost.isComplete {
            try container.encode("\(cost.known)", forKey: .cost)
        } else {
            try container.encodeNil(forKey: .cost)
            try container.encode("\(cost.known)", forKey: .pricedCost)
        }
        try container.encode(cost.unpricedModels, forKey: .unpricedModels)
        try container.encodeIfPresent(prices.currency, forKey: .currency)
        let budget = TaskSpec.budget(of: job)
        try container.encodeIfPresent(budget, forKey: .budget)
        try container.encode(JobUsage(usage, prices: prices, budget: budget).isOverBudget, forKey: .overBudget)
    }
}
