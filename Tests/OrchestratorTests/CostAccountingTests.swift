import AgentManifests
import FlightdeckCore
import Foundation
import Orchestrator
import Testing

/// Cost from token use and the price table, pure: exact decimals, and an unpriced model is
/// named, never counted at 0.
@Suite struct CostAccountingTests {
    static let prices = PriceTable(currency: "EUR", models: [
        "gpt-4o": ModelPrice(input: Decimal(string: "2.50")!, output: 10),
        "qwen2.5-coder:32b": ModelPrice(input: 0, output: 0),
    ])

    @Test func pricedUseCostsExactlyItsTokensTimesThePricePerMillion() {
        let cost = CostAccounting.cost(of: [
            TokenUsage(inputTokens: 120_000, outputTokens: 3_000, model: "gpt-4o"),  // 0.30 + 0.03
            TokenUsage(inputTokens: 1, outputTokens: 0, model: "gpt-4o"),  // 0.0000025
            TokenUsage(inputTokens: 9_000_000, outputTokens: 1_000_000, model: "qwen2.5-coder:32b"),  // local: free
        ], prices: Self.prices)
        #expect(cost.known == Decimal(string: "0.3300025"))
        #expect(cost.unpricedModels.isEmpty && cost.isComplete)
    }

    @Test func anUnpricedModelIsNamedAndNotCountedAtZero() {
        let cost = CostAccounting.cost(of: [
            TokenUsage(inputTokens: 1_000_000, outputTokens: 0, model: "gpt-4o"),
            TokenUsage(inputTokens: 10, outputTokens: 10, model: "claude-x"),
            TokenUsage(inputTokens: 5, outputTokens: 0, model: nil),
            TokenUsage(inputTokens: 3, outputTokens: 3, model: "claude-x"),
            TokenUsage(inputTokens: 0, outputTokens: 0, model: "never-used"),
        ], prices: Self.prices)
        #expect(cost.known == Decimal(string: "2.5"))
        #expect(cost.unpricedModels == ["(unnamed)", "claude-x"])
        #expect(!cost.isComplete)
        // Model names are matched exactly: no guessing from a near name.
        #expect(CostAccounting.cost(of: [TokenUsage(inputTokens: 1, outputTokens: 1, model: "GPT-4o")], prices: Self.prices)
            .unpricedModels == ["GPT-4o"])
        #expect(CostAccounting.cost(of: [], prices: Self.prices) == UsageCost())
    }

    @Test func useIsSummedPerModelAndInTotal() {
        let usage = [
            TokenUsage(inputTokens: 1, outputTokens: 2, model: "b"),
            TokenUsage(inputTokens: 3, outputTokens: 4, model: nil),
            TokenUsage(inputTokens: 5, outputTokens: 6, model: "a"),
            TokenUsage(inputTokens: 7, outputTokens: 8, model: "b"),
        ]
        #expect(CostAccounting.byModel(usage) == [
            TokenUsage(inputTokens: 5, outputTokens: 6, model: "a"),
            TokenUsage(inputTokens: 8, outputTokens: 10, model: "b"),
            TokenUsage(inputTokens: 3, outputTokens: 4, model: nil),
        ])
        #expect(CostAccounting.total(usage) == TokenUsage(inputTokens: 16, outputTokens: 20))
    }

    /// `costPerDay` counts priced use only; `tokensPerDay` every token.
    @Test func aQueueIsSpentByItsTokensOrItsPricedCost() {
        var queues = QueueConfiguration(queues: [
            QueueSettings(name: "cost", limit: 1, budget: QueueBudget(costPerDay: 1)),
            QueueSettings(name: "unpriced", limit: 1, budget: QueueBudget(costPerDay: 1)),
            QueueSettings(name: "tokens", limit: 1, budget: QueueBudget(tokensPerDay: 100)),
            QueueSettings(name: "under", limit: 1, budget: QueueBudget(tokensPerDay: 100, costPerDay: 1)),
            QueueSettings(name: "free", limit: 1),
        ])
        queues.prices = Self.prices
        let usage: [String: [TokenUsage]] = [
            "cost": [TokenUsage(inputTokens: 400_000, outputTokens: 0, model: "gpt-4o")],  // 1.00
            "unpriced": [TokenUsage(inputTokens: 900_000_000, outputTokens: 0, model: "mystery")],
            "tokens": [TokenUsage(inputTokens: 60, outputTokens: 40, model: "mystery")],
            "under": [TokenUsage(inputTokens: 60, outputTokens: 39, model: "gpt-4o")],
            "free": [TokenUsage(inputTokens: 9_000_000, outputTokens: 0, model: "gpt-4o")],
        ]
        #expect(QueueBudgets.spent(queues, usageToday: usage) == ["cost", "tokens"])
        #expect(QueueBudgets.spent(queues, usageToday: ["tokens": [TokenUsage(inputTokens: 99, outputTokens: 0)],
            "cost": [TokenUsage(inputTokens: 1_000_000, outputTokens: 0)]]) == [])
        #expect(QueueBudgets.anyBudget(queues) && !QueueBudgets.anyBudget(QueueConfiguration()))
    }
}
