import FlightdeckCore
import Foundation
import Testing

/// Token counts and money as the listings and the cockpit show them.
@Suite struct UsageTextTests {
    @Test func tokenCountsArePeoplesUnits() {
        let cases: [(Int64, String)] = [(0, "0"), (950, "950"), (1_000, "1k"), (12_345, "12.3k"), (999_949, "999.9k"),
            (999_950, "1M"), (2_000_000, "2M"), (1_234_567_890, "1234.6M"), (-5, "0")]
        for (tokens, text) in cases { #expect(TokenCountText.short(tokens) == text, "\(tokens)") }
    }

    @Test func moneyHasItsSignOrItsCodeAndOnlyASCIIWhenAsked() {
        #expect(CostText.amount(Decimal(string: "0.415")!, currency: "EUR") == "€0.42")
        #expect(CostText.amount(Decimal(string: "0.415")!, currency: "EUR", ascii: true) == "0.42 EUR")
        #expect(CostText.amount(3, currency: "USD", ascii: true) == "$3.00", "$ is ASCII")
        #expect(CostText.amount(Decimal(string: "0.001")!, currency: "GBP", ascii: true) == "<0.01 GBP")
        #expect(CostText.amount(1, currency: nil, ascii: true) == "1.00")
    }
}
