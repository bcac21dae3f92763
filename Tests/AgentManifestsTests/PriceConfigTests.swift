import AgentManifests
import Foundation
import Testing

/// The `prices:` section: exact decimal prices per million tokens by model name, and a
/// one-line error naming file, line, column and field for each bad value.
@Suite struct PriceConfigTests {
    @Test func aPriceTableIsReadExactly() throws {
        let config = try ManifestConfig.parse("""
            prices:
              currency: eur            # optional, shown with costs
              models:
                gpt-4o: {input: 2.50, output: 10.00}
                "qwen2.5-coder:32b": {input: 0, output: 0}   # local models cost nothing
                o1:
                  input: "15"
                  output: 0.0000001
            queues:
              - {name: homelab, limit: 1, budget: {costPerDay: 25}}
            """, file: "/c/config.yaml")
        let prices = config.prices
        #expect(prices.currency == "EUR")
        #expect(prices.models.count == 3)
        #expect(prices.models["gpt-4o"] == ModelPrice(input: Decimal(string: "2.5")!, output: 10))
        #expect(prices.models["qwen2.5-coder:32b"] == ModelPrice(input: 0, output: 0))
        #expect(prices.models["o1"] == ModelPrice(input: 15, output: Decimal(string: "0.0000001")!))
        #expect(prices.price(of: "gpt-4o ") == nil && prices.price(of: nil) == nil, "names match exactly")
        #expect(config.queues.prices == prices, "the queues' cost budgets count with these prices")
        #expect(config.queues.queue(named: "homelab")?.budget?.costPerDay == 25)
    }

    @Test func withoutPricesNothingIsPriced() throws {
        for text in ["", "prices:\n", "prices: {currency: USD}\n"] {
            let prices = try ManifestConfig.parse(text, file: "c").prices
            #expect(prices.models.isEmpty, "\(text)")
        }
        #expect(try ManifestConfig.parse("prices: {currency: USD}\n", file: "c").prices.currency == "USD")
    }

    @Test(arguments: [
        ("prices:\n  models:\n    gpt-4o: {input: -1, output: 10}\n",
            "/c/config.yaml:3:21: prices.models.gpt-4o.input should be a price per million tokens like 2.50 or 0, not \"-1\""),
        ("prices:\n  models:\n    gpt-4o:\n      input: 2.5.0\n      output: 1\n",
            "/c/config.yaml:4:14: prices.models.gpt-4o.input should be a price per million tokens like 2.50 or 0, not \"2.5.0\""),
        ("prices:\n  models:\n    gpt-4o:\n      input: 1\n      output: cheap\n",
            "/c/config.yaml:5:15: prices.models.gpt-4o.output should be a price per million tokens like 2.50 or 0, not \"cheap\""),
        ("prices:\n  models:\n    gpt-4o: {input: 1}\n", "/c/config.yaml:3:13: prices.models.gpt-4o.output is missing"),
        ("prices:\n  models:\n    gpt-4o: {input: 1, output: 2, cached: 1}\n",
            "/c/config.yaml:3:35: prices.models.gpt-4o.cached is not a known field (known: input, output)"),
        ("prices:\n  models:\n    gpt-4o: 2.50\n",
            "/c/config.yaml:3:13: prices.models.gpt-4o should be a price per million tokens ({input: 2.50, output: 10.00}), not \"2.50\""),
        ("prices:\n  currency: euros\n",
            "/c/config.yaml:2:13: prices.currency should be a currency code like EUR or USD, not \"euros\""),
        ("prices:\n  currency: EUR\n  model: {}\n",
            "/c/config.yaml:3:3: prices.model is not a known field (known: currency, models)"),
        ("prices: [gpt-4o]\n", "/c/config.yaml:1:9: prices should be a mapping with currency: and models:, not a list"),
        ("prices:\n  models: [gpt-4o]\n",
            "/c/config.yaml:2:11: prices.models should be a mapping of model names to {input:, output:} prices, not a list"),
    ])
    func aBadPriceIsOneLineNamingFileLineColumnAndField(text: String, message: String) {
        do {
            _ = try ManifestConfig.parse(text, file: "/c/config.yaml")
            Issue.record("accepted: \(text)")
        } catch {
            #expect(error.description == message)
            #expect(!error.description.contains("\n"))
        }
    }
}
