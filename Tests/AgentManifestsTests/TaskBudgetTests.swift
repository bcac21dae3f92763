import AgentManifests
import FlightdeckCore
import Foundation
import Testing

/// A task's `budget: {tokens, cost}`: read exactly from a template (or the config's `agents:`),
/// overlaid field by field, kept in the spec history stores (so a retry has it), and a bad
/// value one line naming file, line, column and field.
@Suite struct TaskBudgetTests {
    @Test func aTemplateBudgetIsReadExactlyAndKeptInTheSpec() throws {
        let template = try TaskTemplate.parse("prompt: p\nbudget: {tokens: 100000, cost: \"0.10\"}\n", file: "t.yaml")
        #expect(template.budgetTokens == 100_000 && template.budgetCost == Decimal(string: "0.1"))
        let task = template.task(uuid: "u-1", secretFiles: [:])
        #expect(task.budget == TaskBudget(tokens: 100_000, cost: Decimal(string: "0.10")))
        #expect(task.validationErrors.isEmpty, "\(task.validationErrors)")

        // The spec history keeps: the cost as an exact decimal string, and back.
        let spec = TaskSpec(task: task, secretFilePaths: [:])
        #expect(spec.json.contains(#""budget":{"cost":"0.1","tokens":100000}"#), "\(spec.json)")
        let decoded = try #require(TaskSpec.decode(spec.json))
        #expect(decoded.task.budget == task.budget)
        let job = AgentJob(id: "j", name: "agent-j", namespace: "agents", taskSpec: spec.json)
        #expect(TaskSpec.budget(of: job) == task.budget)
        let retry = try decoded.retry(uuid: "u-2", previousJobID: "j") { _ in "" }
        #expect(retry.budget == task.budget, "a retry has the same budget")

        // A cost written as a YAML number is read from its text, not through a Double.
        let number = try TaskTemplate.parse("budget: {cost: 0.30}\n", file: "t.yaml")
        #expect(number.budgetCost == Decimal(string: "0.30") && number.budgetTokens == nil)
    }

    @Test func specsFromBeforeBudgetsHaveNone() throws {
        // A spec history kept before tasks had a budget has no "budget" key (none is written
        // for a task without one) and still decodes.
        let old = TaskSpec(task: AgentTask(uuid: "u", image: "i", prompt: "p"), secretFilePaths: [:]).json
        #expect(!old.contains("budget"))
        let spec = try #require(TaskSpec.decode(old))
        #expect(spec.task.budget == nil)
        #expect(TaskSpec.budget(of: AgentJob(id: "j", name: "j", namespace: "", taskSpec: old)) == nil)
        #expect(TaskSpec.budget(of: AgentJob(id: "j", name: "j", namespace: "")) == nil)
    }

    @Test func theTemplateOverlaysTheConfigFieldByField() throws {
        let defaults = try ManifestConfig.parse("agents:\n  budget: {tokens: 5000000, cost: 20}\n", file: "c").taskDefaults
        let template = try TaskTemplate.parse("budget: {cost: \"2.50\"}\n", file: "t.yaml")
        let task = template.overlaid(on: defaults).task(uuid: "u", secretFiles: [:])
        #expect(task.budget == TaskBudget(tokens: 5_000_000, cost: Decimal(string: "2.50")))
        #expect(TaskTemplate().task(uuid: "u", secretFiles: [:]).budget == nil, "no budget said: none")
    }

    @Test(arguments: [
        ("budget: {tokens: -5}\n", "t.yaml:1:18: budget.tokens should be a whole number of tokens, not \"-5\""),
        ("budget: {tokens: lots}\n", "t.yaml:1:18: budget.tokens should be a whole number of tokens, not \"lots\""),
        ("budget: {tokens: 1.5}\n", "t.yaml:1:18: budget.tokens should be a whole number of tokens, not \"1.5\""),
        ("budget:\n  cost: cheap\n", "t.yaml:2:9: budget.cost should be an amount like 2.50 or 0, not \"cheap\""),
        ("budget:\n  cost: \"-1\"\n", "t.yaml:2:9: budget.cost should be an amount like 2.50 or 0, not \"-1\""),
        ("budget:\n  cost: 1.2.3\n", "t.yaml:2:9: budget.cost should be an amount like 2.50 or 0, not \"1.2.3\""),
        ("budget:\n  cost: 1e3\n", "t.yaml:2:9: budget.cost should be an amount like 2.50 or 0, not \"1e3\""),
        ("budget: {tokens: 5, money: 1}\n", "t.yaml:1:21: budget.money is not a known field (known: cost, tokens)"),
        ("budget: {}\n", "t.yaml:1:9: budget should set tokens, cost or both"),
        ("budget: 100000\n", "t.yaml:1:9: budget should be a mapping with tokens: and/or cost:, not \"100000\""),
    ])
    func aBadBudgetIsOneLineNamingFileLineColumnAndField(text: String, message: String) {
        do {
            _ = try TaskTemplate.parse(text, file: "t.yaml")
            Issue.record("accepted: \(text)")
        } catch {
            #expect(error.description == message)
            #expect(!error.description.contains("\n"))
        }
    }

    @Test func aBudgetIsCrossedWhenGoneOverNotWhenReached() {
        let budget = TaskBudget(tokens: 100_000, cost: 1)
        #expect(!budget.tokensCrossed(100_000) && budget.tokensCrossed(100_001))
        #expect(!budget.costCrossed(1) && budget.costCrossed(Decimal(string: "1.01")!))
        #expect(budget.reason(tokens: 100_000, knownCost: 1, currency: "EUR") == nil)
        #expect(budget.reason(tokens: 120_000, knownCost: Decimal(string: "0.5")!, currency: "EUR")
            == "over budget: 120k/100k tokens")
        #expect(budget.reason(tokens: 120_000, knownCost: Decimal(string: "1.2")!, currency: "EUR")
            == "over budget: 120k/100k tokens, €1.20/€1.00")
        #expect(budget.reason(tokens: 5, knownCost: Decimal(string: "1.2")!, currency: "EUR", ascii: true)
            == "over budget: 1.20 EUR/1.00 EUR")
        #expect(TaskBudget(cost: 0).costCrossed(Decimal(string: "0.0001")!), "a budget of 0 allows no priced cost")
        #expect(!TaskBudget(cost: 1).tokensCrossed(.max) && !TaskBudget(tokens: 1).costCrossed(1_000_000))
    }

    @Test func aNegativeBudgetMadeInCodeIsRefusedByValidation() {
        var task = AgentTask(uuid: "u", image: "i", prompt: "p")
        task.budget = TaskBudget(tokens: -1, cost: -2)
        #expect(task.validationErrors == ["budget.tokens -1 must not be negative", "budget.cost -2 must not be negative"])
        task.budget = TaskBudget()
        #expect(task.validationErrors == ["budget should set tokens, cost or both"])
    }
}
