import Foundation

/// What one model costs, per million tokens it reads (`input`) and writes (`output`), in the
/// price table's currency; exact decimals, never negative.
public struct ModelPrice: Sendable, Hashable {
    public var input: Decimal
    public var output: Decimal

    public init(input: Decimal, output: Decimal) {
        self.input = input
        self.output = output
    }
}
