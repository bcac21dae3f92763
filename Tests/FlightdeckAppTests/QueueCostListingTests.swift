import AgentManifests
import FlightdeckApp
import FlightdeckCore
import Foundation
import Orchestrator
import Testing

/// `flightdeck queue` with cost budgets (pure): each queue's cost today against its
/// `costPerDay`, priced models only, saying when unpriced usage is not counted.
@Suite struct QueueCostListingTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    static func report() -> QueueReport {
        var queues = QueueConfiguration(queues: [
            QueueSettings(name: "homelab", limit: 2, budget: QueueBudget(costPerDay: 25)),
            QueueSettings(name: "batch", limit: 1, budget: QueueBudget(tokensPerDay: 5_000_000, costPerDay: 1)),
        ])
        queues.prices = PriceTable(currency: "EUR", models: ["gpt-4o": ModelPrice(input: Decimal(string: "2.50")!, output: 10)])
        return QueueReport(queues: queues, jobs: [], mode: .flightdeck, lease: nil, usageToday: [
            "homelab": [TokenUsage(inputTokens: 1_000_000, outputTokens: 100_000, model: "gpt-4o")],  // 2.50 + 1.00
            "batch": [TokenUsage(inputTokens: 400_000, outputTokens: 0, model: "gpt-4o"),  // 1.00
                      TokenUsage(inputTokens: 9, outputTokens: 9, model: "mystery")],
        ], now: now)
    }

    @Test func theTableShowsCostTodayAgainstTheBudgetAndUnpricedUsage() {
        let report = Self.report()
        #expect(report.queues.map(\.budgetSpent) == [false, true])
        let table = QueueListing.render(report, format: .table, now: Self.now, currency: "EUR")
        let lines = table.split(separator: "\n")
        #expect(lines.contains { $0.hasPrefix("QUEUE") && $0.hasSuffix("COST TODAY") }, "\(table)")
        #expect(lines.contains { $0.hasPrefix("homelab") && $0.hasSuffix("€3.50/€25.00") }, "\(table)")
        #expect(lines.contains { $0.hasPrefix("batch") && $0.hasSuffix("€1.00/€1.00 spent (+unpriced usage)") }, "\(table)")
        #expect(lines.contains { $0.hasPrefix("batch") && $0.contains("400k/5M ") && !$0.contains("5M spent") },
            "its tokens are not what is spent: \(table)")
    }

    @Test func jsonSaysCostTodayAndTheUnpricedModels() throws {
        let json = QueueListing.render(Self.report(), format: .json, now: Self.now)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let queues = try #require(document["queues"] as? [[String: Any]])
        #expect(queues[0]["costToday"] as? String == "3.5" && queues[0]["costPerDay"] as? String == "25")
        #expect(queues[0]["unpricedModels"] == nil)
        #expect(queues[1]["costToday"] as? String == "1" && queues[1]["budgetSpent"] as? Bool == true)
        #expect(queues[1]["unpricedModels"] as? [String] == ["mystery"])
        #expect(queues[1]["tokensToday"] as? Int == 400_018)
    }
}
