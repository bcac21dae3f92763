import AgentManifests
import FlightdeckApp
import FlightdeckCore
import FlightdeckTestSupport
import Foundation
import Testing

/// The typed request every front end builds a task with (`submit`'s flags, the cockpit's form).
@Suite struct TaskRequestTests {
    let directory = TemporaryDirectory("flightdeck-request")

    @Test func fieldsWinOverTheTemplateWhichWinsOverTheConfig() throws {
        try """
            image: registry.lab/agent:2
            prompt: from the template
            repoURL: https://git.lab/a.git
            secretFiles:
              api-key: keys/api
            """.write(toFile: directory.file("template.yaml"), atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: directory.file("keys"), withIntermediateDirectories: true)
        try "sk-template".write(toFile: directory.file("keys/api"), atomically: true, encoding: .utf8)
        var defaults = TaskTemplate()
        defaults.image = "registry.lab/agent:1"
        defaults.memory = "3Gi"
        let config = ManifestConfig(taskDefaults: defaults)

        var request = TaskRequest(prompt: "fix the flaky test", template: "template.yaml")
        request.fields.environment = ["MODE": "fast"]
        let built = try request.build(config: config, workingDirectory: directory.path)
        #expect(built.task.prompt == "fix the flaky test")  // the field
        #expect(built.task.image == "registry.lab/agent:2")  // the template over the config
        #expect(built.task.repoURL == "https://git.lab/a.git")
        #expect(built.task.resources.memory == "3Gi")  // the config's default
        #expect(built.task.environment["MODE"] == "fast")
        // The template's secret file is relative to the template; its path is kept, its value
        // goes into the task only.
        #expect(built.secretFilePaths == ["api-key": directory.file("keys/api")])
        #expect(built.task.secretFiles["api-key"] == "sk-template")
    }

    @Test func aMissingFileIsOneLineNamingIt() {
        let request = TaskRequest(prompt: "p", template: "nope.yaml")
        #expect(throws: OperatorError("cannot read task template \(directory.file("nope.yaml")): no such file or not readable")) {
            try request.build(config: ManifestConfig(), workingDirectory: directory.path)
        }
        var secret = TaskRequest(prompt: "p")
        secret.fields.secretFilePaths = ["token": "/nonexistent/token"]
        let error = #expect(throws: OperatorError.self) { try secret.build(config: ManifestConfig(), workingDirectory: directory.path) }
        #expect(error?.message.contains("secret file token /nonexistent/token") == true)
    }

    @Test func pairsAreParsedOrRefusedNamingTheFlag() throws {
        #expect(try TaskRequest.pairs(["A=1", "B=x=y"], flag: "--env") == ["A": "1", "B": "x=y"])
        #expect(throws: OperatorError("--env =1: expected NAME=VALUE")) { try TaskRequest.pairs(["=1"], flag: "--env") }
    }

    @Test func anInvalidTaskSaysWhy() {
        let request = TaskRequest(prompt: "")
        let error = #expect(throws: OperatorError.self) { try request.build(config: ManifestConfig(), workingDirectory: directory.path) }
        #expect(error?.message.hasPrefix("cannot make the task's manifests: ") == true)
    }

    /// The queue is resolved at submit: none named is the config's default queue (the implicit
    /// `default` without a `queues:` section); a queue the config lacks is refused in one line.
    @Test func theQueueIsResolvedAtSubmitAndAnUnknownOneRefused() throws {
        let queued = ManifestConfig(queues: QueueConfiguration(
            queues: [QueueSettings(name: "homelab", limit: 2), QueueSettings(name: "batch", limit: 1)], defaultQueue: "batch"))
        var request = TaskRequest(prompt: "p")
        let defaulted = try request.build(config: queued, workingDirectory: directory.path).task
        #expect(defaulted.queue == "batch")
        #expect(defaulted.priority == .normal)
        request.fields.queue = "homelab"
        request.fields.priority = try TaskRequest.priority("high")
        let named = try request.build(config: queued, workingDirectory: directory.path).task
        #expect(named.queue == "homelab")
        #expect(named.priority == .high)

        request.fields.queue = "gpu"
        do {
            _ = try request.build(config: queued, workingDirectory: directory.path)
            Issue.record("accepted an unknown queue")
        } catch {
            #expect(error.description == "queue \"gpu\" is not configured (queues: homelab, batch)")
        }
        request.fields.queue = "homelab"
        do {
            _ = try request.build(config: ManifestConfig(), workingDirectory: directory.path)
            Issue.record("accepted a queue without a queues: section")
        } catch {
            #expect(error.description
                == "queue \"homelab\" is not configured (the config has no queues: section; the only queue is \"default\")")
        }
        request.fields.queue = nil
        #expect(try request.build(config: ManifestConfig(), workingDirectory: directory.path).task.queue == "default")
        #expect(throws: OperatorError.self) { _ = try TaskRequest.priority("urgent") }
        #expect(try TaskRequest.priority(nil) == nil)
    }

    /// `--budget-tokens` and `--budget-cost` (and the form's fields, which go the same way):
    /// over the template's budget field by field; a bad value is one line naming the flag.
    @Test func aBudgetComesFromTheFlagsOverTheTemplate() throws {
        try "prompt: p\nbudget: {tokens: 5000, cost: \"9\"}\n".write(toFile: directory.file("budget.yaml"), atomically: true,
            encoding: .utf8)
        var request = TaskRequest(template: "budget.yaml")
        #expect(try request.build(config: ManifestConfig(), workingDirectory: directory.path).task.budget
            == TaskBudget(tokens: 5_000, cost: 9))
        request.fields.budgetCost = try TaskRequest.budgetCost("2.50")
        #expect(try request.build(config: ManifestConfig(), workingDirectory: directory.path).task.budget
            == TaskBudget(tokens: 5_000, cost: Decimal(string: "2.50")))
        #expect(try TaskRequest.budgetTokens("100000") == 100_000 && TaskRequest.budgetTokens(nil) == nil)
        #expect(try TaskRequest.budgetCost("0") == 0 && TaskRequest.budgetCost(nil) == nil)
        #expect(try TaskRequest(prompt: "p").build(config: ManifestConfig(), workingDirectory: directory.path).task.budget == nil)

        #expect(throws: OperatorError("--budget-tokens 12k: expected a whole number of tokens like 2000000")) {
            try TaskRequest.budgetTokens("12k")
        }
        #expect(throws: OperatorError("--budget-tokens -5: expected a whole number of tokens like 2000000")) {
            try TaskRequest.budgetTokens("-5")
        }
        #expect(throws: OperatorError("--budget-tokens 99999999999999999999: expected a whole number of tokens like 2000000")) {
            try TaskRequest.budgetTokens("99999999999999999999")
        }
        #expect(throws: OperatorError("--budget-cost $5: expected an amount like 2.50 or 0")) { try TaskRequest.budgetCost("$5") }
        #expect(throws: OperatorError("--budget-cost -1: expected an amount like 2.50 or 0")) { try TaskRequest.budgetCost("-1") }
        #expect(throws: OperatorError("--budget-cost 1,50: expected an amount like 2.50 or 0")) { try TaskRequest.budgetCost("1,50") }
        #expect(throws: OperatorError("--budget-cost ^[[2J: expected an amount like 2.50 or 0")) {
            try TaskRequest.budgetCost("\u{1B}[2J")
        }
    }
}
