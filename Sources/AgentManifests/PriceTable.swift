import ConfigYAML
import Foundation

/// The `prices:` section of Flightdeck's config file: what each model costs per million input
/// and output tokens, so a job's and a queue's token use has a cost.
///
/// ```yaml
/// prices:
///   currency: EUR            # optional: shown with costs (an ISO 4217 code)
///   models:
///     gpt-4o: {input: 2.50, output: 10.00}
///     "qwen2.5-coder:32b": {input: 0, output: 0}   # local models cost nothing
/// ```
/// Why no default prices: a guessed price would make a cost (and a `costPerDay` budget) wrong
/// without anyone noticing. A model the table does not name has an unknown cost, and what
/// reports costs says which models are unpriced.
public struct PriceTable: Sendable, Hashable {
    /// An ISO 4217 code (`EUR`, `USD`), upper case; `nil`: costs are shown without a currency.
    public var currency: String?
    /// Prices by model name, exactly as the agents report it in `usage.model`.
    public var models: [String: ModelPrice]

    public init(currency: String? = nil, models: [String: ModelPrice] = [:]) {
        self.currency = currency
        self.models = models
    }

    public func price(of model: String?) -> ModelPrice? { model.flatMap { models[$0] } }

    /// Longest model name the table takes: names are matched exactly, and a longer one is a
    /// paste gone wrong rather than a model.
    static let maximumModelNameLength = 200

    static func read(_ section: YAMLMapping) throws(YAMLError) -> PriceTable {
        try section.rejectUnknownKeys(["currency", "models"])
        var table = PriceTable()
        if let currency = section["currency"], let text = try currency.string() {
            guard text.count == 3, text.allSatisfy({ $0.isASCII && $0.isLetter }) else {
                throw currency.error(expected: "a currency code like EUR or USD")
            }
            table.currency = text.uppercased()
        }
        guard let models = try section.mapping("models", expected: "a mapping of model names to {input:, output:} prices")
        else { return table }
        for entry in try models.entries() {
            guard !entry.name.isEmpty, entry.name.count <= maximumModelNameLength,
                entry.name.unicodeScalars.allSatisfy({ !CharacterSet.controlCharacters.contains($0) })
            else { throw entry.key.error(expected: "a model name (1 to \(maximumModelNameLength) printable characters)") }
            let expected = "a price per million tokens ({input: 2.50, output: 10.00})"
            guard let fields = try entry.value.mapping(expected: expected) else { throw entry.value.error(expected: expected) }
            try fields.rejectUnknownKeys(["input", "output"])
            table.models[entry.name] = ModelPrice(input: try amount(fields.required("input")),
                output: try amount(fields.required("output")))
        }
        return table
    }

    /// A non-negative exact decimal written as digits with at most one point (`2.50`, `0`).
    static func amount(_ value: YAMLValue) throws(YAMLError) -> Decimal {
        let expected = "a price per million tokens like 2.50 or 0"
        guard let text = try value.string(expected: expected), text.contains(where: \.isNumber),
            text.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }), text.filter({ $0 == "." }).count <= 1,
            let amount = Decimal(string: text, locale: Locale(identifier: "en_US_POSIX")), amount >= 0
        else { throw value.error(expected: expected) }
        return amount
    }
}
