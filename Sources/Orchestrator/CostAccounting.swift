import AgentManifests
import FlightdeckCore
import Foundation

/// The cost of token use, from the `usage` history keeps and the config's price table. Pure.
///
/// Prices are per million tokens, so a model's cost is
/// `(input × price.input + output × price.output) / 1 000 000`, in exact decimals (no rounding
/// here: what shows a cost rounds it).
public enum CostAccounting {
    /// How use without a model name is listed among the unpriced models.
    public static let unnamedModel = "(unnamed)"

    /// The cost of `usage` (any number of entries per model). A model without a price is
    /// listed, never counted at 0; one that used no tokens is neither.
    public static func cost(of usage: [TokenUsage], prices: PriceTable) -> UsageCost {
        var known: Decimal = 0
        var unpriced = Set<String>()
        for entry in usage where entry.inputTokens != 0 || entry.outputTokens != 0 {
            guard let price = prices.price(of: entry.model) else {
                unpriced.insert(entry.model ?? unnamedModel)
                continue
            }
            known += (Decimal(entry.inputTokens) * price.input + Decimal(entry.outputTokens) * price.output) / 1_000_000
        }
        return UsageCost(known: known, unpricedModels: unpriced.sorted())
    }

    /// `usage` summed per model (`nil`: no model named), sorted by model name, unnamed last.
    public static func byModel(_ usage: [TokenUsage]) -> [TokenUsage] {
        var sums: [String?: TokenUsage] = [:]
        for entry in usage {
            sums[entry.model, default: TokenUsage(inputTokens: 0, outputTokens: 0, model: entry.model)].add(entry)
        }
        return sums.values.sorted { ($0.model ?? "\u{10FFFF}") < ($1.model ?? "\u{10FFFF}") }
    }

    /// Input and output tokens of `usage`, whatever the models.
    public static func total(_ usage: [TokenUsage]) -> TokenUsage {
        var sum = TokenUsage(inputTokens: 0, outputTokens: 0)
        for entry in usage { sum.add(entry) }
        return sum
    }
}

extension TokenUsage {
    fileprivate mutating func add(_ other: TokenUsage) {
        inputTokens &+= other.inputTokens
        outputTokens &+= other.outputTokens
    }
}
