import Foundation

/// What some token use cost: the part the price table prices, and the models it does not.
/// Why not one number: a model without a price has an unknown cost, not a cost of 0, and
/// adding it in at 0 would make a report (or a `costPerDay` budget) quietly wrong.
public struct UsageCost: Sendable, Hashable {
    /// The cost of the priced models' tokens, exact, in the price table's currency.
    public var known: Decimal
    /// Models that used tokens and have no price, sorted (`CostAccounting.unnamedModel` for
    /// use whose endpoint named no model).
    public var unpricedModels: [String]

    public init(known: Decimal = 0, unpricedModels: [String] = []) {
        self.known = known
        self.unpricedModels = unpricedModels
    }

    /// Whether `known` is the whole cost.
    public var isComplete: Bool { unpricedModels.isEmpty }
}
