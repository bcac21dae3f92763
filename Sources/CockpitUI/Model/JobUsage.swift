import FlightdeckCore
import Foundation

/// One job's model tokens and their cost, as the runtime summed and priced them from history
/// (the trace's `usage`, the config's `prices:`), with the task's budget: what the jobs pane's
/// TOKENS and COST columns, its over-budget mark and the status bar show.
///
/// Why priced outside: the price table and its arithmetic belong to the orchestrator; the
/// cockpit gets the sums, so render stays a pure function of the state.
public struct JobUsage: Sendable, Hashable {
    public var inputTokens: Int64
    public var outputTokens: Int64
    /// What the priced models' tokens cost, exact, in `currency`.
    public var knownCost: Decimal
    /// A model it used has no price (or no name): the whole cost is unknown, shown `?`.
    public var unpriced: Bool
    /// The price table's currency (`EUR`), `nil` when it names none.
    public var currency: String?
    /// The task's budget, from the spec history keeps with the job; `nil`: none.
    public var budget: TaskBudget?

    public init(inputTokens: Int64, outputTokens: Int64, knownCost: Decimal = 0, unpriced: Bool = false,
        currency: String? = nil, budget: TaskBudget? = nil)
    {
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.knownCost = knownCost
        self.unpriced = unpriced
        self.currency = currency
        self.budget = budget
    }

    public var totalTokens: Int64 { inputTokens &+ outputTokens }

    /// The whole cost; `nil` when a model is unpriced.
    public var cost: Decimal? { unpriced ? nil : knownCost }

    /// The TOKENS cell: `12.3k`.
    public var tokensText: String { TokenCountText.short(totalTokens) }

    /// The COST cell: `€0.42` (`0.42 EUR` in `ascii`), or `?` when a model is unpriced.
    public func costText(ascii: Bool = false) -> String {
        cost.map { CostText.amount($0, currency: currency, ascii: ascii) } ?? "?"
    }

    public var tokensOverBudget: Bool { budget?.tokensCrossed(totalTokens) ?? false }
    public var costOverBudget: Bool { budget?.costCrossed(knownCost) ?? false }
    public var isOverBudget: Bool { tokensOverBudget || costOverBudget }

    /// "over budget: 120k/100k tokens" (and/or the cost against its budget), `short`: "over
    /// 120k/100k tokens"; `nil` within it. `ascii`: currencies without a non-ASCII sign
    /// (`CostText`).
    public func overBudgetReason(ascii: Bool = false, short: Bool = false) -> String? {
        budget?.reason(tokens: totalTokens, knownCost: knownCost, currency: currency, ascii: ascii,
            label: short ? "over " : "over budget: ")
    }

    /// The status bar's words for the selected job: "12.3k tokens €0.42", each against its
    /// budget when it has one ("120k/100k tokens €0.42/€5.00"); a cost with unpriced models in
    /// it is "unpriced", or "€0.30+unpriced" when the priced ones cost something.
    public func summary(ascii: Bool = false) -> String {
        var tokens = tokensText
        if let limit = budget?.tokens { tokens += "/" + TokenCountText.short(limit) }
        var money = CostText.amount(knownCost, currency: currency, ascii: ascii)
        if unpriced { money = knownCost > 0 ? money + "+unpriced" : "unpriced" }
        if let limit = budget?.cost { money += "/" + CostText.amount(limit, currency: currency, ascii: ascii) }
        return "\(tokens) tokens \(money)"
    }
}
