import Foundation

/// What one task is meant to use: model tokens (input + output, whatever the models) and/or
/// their cost in the price table's currency, summed over the job's trace `usage`.
///
/// A budget flags, it does not stop: a job over its budget runs on, marked in the cockpit and
/// in `flightdeck jobs`, and the operator decides (steer, cancel). Why not stop it: an agent
/// killed mid-step loses the step it paid for, and a cost is only as right as the price table;
/// a queue's daily budget (`costPerDay`, `tokensPerDay`) is what holds work back.
///
/// Kept with the task in history (`TaskSpec`), so a retry has the same budget, counted afresh
/// for its own job.
public struct TaskBudget: Sendable, Hashable, Codable {
    /// Tokens in and out; `nil`: no token budget.
    public var tokens: Int64?
    /// An exact decimal in the price table's currency; `nil`: no cost budget.
    public var cost: Decimal?

    public init(tokens: Int64? = nil, cost: Decimal? = nil) {
        self.tokens = tokens
        self.cost = cost
    }

    /// Neither limit set: no budget at all.
    public var isEmpty: Bool { tokens == nil && cost == nil }

    /// Whether `used` tokens went over the token budget (reaching it is not over).
    public func tokensCrossed(_ used: Int64) -> Bool { tokens.map { used > $0 } ?? false }

    /// Whether `knownCost` went over the cost budget. The cost of a model the price table does
    /// not price is unknown and not in `knownCost`, which is so a lower bound: over it is over
    /// for certain, under it may not be (what shows the cost says it is unpriced).
    public func costCrossed(_ knownCost: Decimal) -> Bool { cost.map { knownCost > $0 } ?? false }

    /// Whether either limit is crossed.
    public func isCrossed(tokens used: Int64, knownCost: Decimal) -> Bool { tokensCrossed(used) || costCrossed(knownCost) }

    /// One line naming each crossed limit, used against the budget: "over budget: 120k/100k
    /// tokens", "over budget: €1.20/€1.00", both joined by ", "; `nil` when none is crossed.
    /// `ascii`: currencies as codes where their sign is not ASCII (`CostText`); `label`: what
    /// comes first (a narrow column says "over ").
    public func reason(tokens used: Int64, knownCost: Decimal, currency: String?, ascii: Bool = false,
        label: String = "over budget: ") -> String?
    {
        var parts: [String] = []
        if let limit = tokens, tokensCrossed(used) {
            parts.append("\(TokenCountText.short(used))/\(TokenCountText.short(limit)) tokens")
        }
        if let limit = cost, costCrossed(knownCost) {
            parts.append(CostText.amount(knownCost, currency: currency, ascii: ascii) + "/"
                + CostText.amount(limit, currency: currency, ascii: ascii))
        }
        return parts.isEmpty ? nil : label + parts.joined(separator: ", ")
    }

    /// A budget's cost as written (`2.50`, `0`, `10`): digits with at most one point, never
    /// negative, read exactly (no binary floating point on the way); `nil` otherwise.
    public static func amount(_ text: String) -> Decimal? {
        guard text.contains(where: \.isNumber), text.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }),
            text.filter({ $0 == "." }).count <= 1, text.count <= 40,
            let amount = Decimal(string: text, locale: Locale(identifier: "en_US_POSIX")), amount >= 0
        else { return nil }
        return amount
    }

    // MARK: - Codable

    private enum CodingKeys: String, CodingKey { case tokens, cost }

    /// The cost is written as a decimal string (`"2.50"`), as the price table's costs are in
    /// JSON: a JSON number would go through binary floating point in most readers.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(tokens, forKey: .tokens)
        try container.encodeIfPresent(cost.map { "\($0)" }, forKey: .cost)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        tokens = try container.decodeIfPresent(Int64.self, forKey: .tokens)
        if let text = try container.decodeIfPresent(String.self, forKey: .cost) {
            guard let amount = Self.amount(text) else {
                throw DecodingError.dataCorruptedError(forKey: .cost, in: container, debugDescription: "not an amount: \(text)")
            }
            cost = amount
        }
    }
}
