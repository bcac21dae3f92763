import AgentManifests
import FlightdeckApp
import FlightdeckCore
import FlightdeckTestSupport
import Foundation
import HistoryStore
import Orchestrator
import Testing

/// `flightdeck jobs`: the table and JSON lines (pure), and the listing history gives once a
/// reconcile pass brought it up to date with the simulated cluster — or could not.
@Suite(.timeLimit(.minutes(2))) struct JobListTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    static let jobs = [
        AgentJob(id: "a1", name: "agent-a1", namespace: "agents", createdAt: now.addingTimeInterval(-90), status: .running,
            retries: 1, backoffLimit: 3, node: "node-1"),
        // Deleted by the cluster after it succeeded: history keeps it, marked.
        AgentJob(id: "b2", name: "agent-b2", namespace: "agents", createdAt: now.addingTimeInterval(-7_200), status: .succeeded,
            deletedAt: now),
        // Known to history only (an import): nothing to mark, nothing known.
        AgentJob(id: "c3", name: "c3", namespace: "", status: .deleted, pendingReason: "waiting for a node", deletedAt: now),
    ]

    @Test func rowsSayStatusRetriesNodeAgeAndWhy() {
        let rows = JobList.rows(Self.jobs, now: Self.now)
        #expect(rows == [
            ["NAME", "STATUS", "RETRIES", "NODE", "AGE", "TOKENS", "COST", "WHY"],
            ["agent-a1", "running", "1/3", "node-1", "1m", "-", "-", ""],
            ["agent-b2", "succeeded (deleted)", "0/-", "-", "2h", "-", "-", ""],
            ["c3", "deleted", "0/-", "-", "-", "-", "-", "waiting for a node"],
        ])
    }

    static let prices = PriceTable(currency: "EUR", models: [
        "gpt-4o": ModelPrice(input: Decimal(string: "2.50")!, output: 10),
        "local": ModelPrice(input: 0, output: 0),
    ])

    /// TOKENS in people's units; COST rounded to cents in the table's currency, `?` when a
    /// model is unpriced (its cost is unknown, not 0), `-` without usage.
    @Test func rowsSayTokensAndCost() {
        let usage: [String: [TokenUsage]] = [
            "a1": [TokenUsage(inputTokens: 12_000, outputTokens: 300, model: "gpt-4o")],  // 0.03 + 0.003
            "b2": [TokenUsage(inputTokens: 100, outputTokens: 0, model: "gpt-4o"),
                   TokenUsage(inputTokens: 5, outputTokens: 5, model: "mystery")],
        ]
        let rows = JobList.rows(Self.jobs, usage: usage, prices: Self.prices, now: Self.now)
        #expect(rows.map { Array($0[5...6]) } == [["TOKENS", "COST"], ["12.3k", "€0.03"], ["110", "?"], ["-", "-"]])
        let local = JobList.rows([Self.jobs[0]], usage: ["a1": [TokenUsage(inputTokens: 2_000_000, outputTokens: 0, model: "local")]],
            prices: Self.prices, now: Self.now)
        #expect(local[1][5...6] == ["2M", "€0.00"])
        let tiny = JobList.rows([Self.jobs[0]], usage: ["a1": [TokenUsage(inputTokens: 10, outputTokens: 0, model: "gpt-4o")]],
            prices: PriceTable(models: Self.prices.models), now: Self.now)
        #expect(tiny[1][6] == "<0.01", "below a cent is not nothing; no currency: none shown")
        #expect(CostText.amount(Decimal(string: "1234.565")!, currency: "CHF") == "1234.57 CHF")
        #expect(CostText.amount(25, currency: "USD") == "$25.00")
    }

    /// `-o json`: `tokens` with the split by model, `cost` as an exact decimal string — null,
    /// with the known part and the unpriced models named, when a model has no price.
    @Test func jsonSaysTokensByModelAndCost() throws {
        let usage: [String: [TokenUsage]] = [
            "a1": [TokenUsage(inputTokens: 12_000, outputTokens: 300, model: "gpt-4o"),
                   TokenUsage(inputTokens: 7, outputTokens: 1, model: "local")],
            "b2": [TokenUsage(inputTokens: 100, outputTokens: 0, model: "gpt-4o"),
                   TokenUsage(inputTokens: 5, outputTokens: 5, model: nil)],
        ]
        let json = try JobList.render(Self.jobs, usage: usage, prices: Self.prices, format: .json, now: Self.now)
        let objects = try json.split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        #expect(objects.count == 3)
        #expect(objects[0]["id"] as? String == "a1" && objects[0]["status"] as? String == "running", "the job's own fields stay")
        let tokens = try #require(objects[0]["tokens"] as? [String: Any])
        #expect(tokens["input"] as? Int == 12_007 && tokens["output"] as? Int == 301)
        let byModel = try #require(tokens["byModel"] as? [String: [String: Int]])
        #expect(byModel == ["gpt-4o": ["input": 12_000, "output": 300], "local": ["input": 7, "output": 1]])
        #expect(objects[0]["cost"] as? String == "0.033")
        #expect(objects[0]["currency"] as? String == "EUR")
        #expect((objects[0]["unpricedModels"] as? [String])?.isEmpty == true)
        #expect(objects[1]["cost"] is NSNull, "an unpriced model: the cost is unknown")
        #expect(objects[1]["pricedCost"] as? String == "0.00025")
        #expect(objects[1]["unpricedModels"] as? [String] == ["(unnamed)"])
        #expect(objects[2]["cost"] as? String == "0" && (objects[2]["tokens"] as? [String: Any])?["input"] as? Int == 0)
    }

    /// A task's budget, from the spec history keeps with the job: TOKENS and COST against it,
    /// the reason under WHY once one is crossed (after a Pending or Failed job's own), and in
    /// JSON `budget` and `overBudget`.
    @Test func aBudgetShowsAgainstTheUseAndOverItIsFlagged() throws {
        func job(_ id: String, _ budget: TaskBudget?, reason: String? = nil) -> AgentJob {
            let task = AgentTask(uuid: id, image: "i", prompt: "p", budget: budget)
            return AgentJob(id: id, name: "agent-\(id)", namespace: "agents", createdAt: Self.now, status: reason == nil ? .running : .failed,
                pendingReason: reason, taskSpec: TaskSpec(task: task, secretFilePaths: [:]).json)
        }
        let jobs = [
            job("over", TaskBudget(tokens: 100_000, cost: 1)),
            job("within", TaskBudget(tokens: 200_000)),
            job("failed", TaskBudget(cost: Decimal(string: "0.01")), reason: "BackoffLimitExceeded"),
            job("quiet", TaskBudget(tokens: 1_000, cost: 1)),
            job("none", nil),
        ]
        let usage: [String: [TokenUsage]] = [
            "over": [TokenUsage(inputTokens: 118_000, outputTokens: 2_000, model: "gpt-4o")],  // 0.295 + 0.02
            "within": [TokenUsage(inputTokens: 1_000, outputTokens: 0, model: "mystery")],
            "failed": [TokenUsage(inputTokens: 10_000, outputTokens: 0, model: "gpt-4o")],  // 0.025
            "none": [TokenUsage(inputTokens: 10, outputTokens: 0, model: "gpt-4o")],
        ]
        let rows = JobList.rows(jobs, usage: usage, prices: Self.prices, now: Self.now)
        #expect(rows.map { [$0[0]] + Array($0[5...7]) } == [
            ["NAME", "TOKENS", "COST", "WHY"],
            ["agent-over", "120k/100k", "€0.32/€1.00", "over budget: 120k/100k tokens"],
            ["agent-within", "1k/200k", "?", ""],
            ["agent-failed", "10k", "€0.03/€0.01", "BackoffLimitExceeded; over budget: €0.03/€0.01"],
            ["agent-quiet", "0/1k", "€0.00/€1.00", ""],
            ["agent-none", "10", "<€0.01", ""],
        ])

        let json = try JobList.render(jobs, usage: usage, prices: Self.prices, format: .json, now: Self.now)
        let objects = try json.split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        #expect(objects.map { $0["overBudget"] as? Bool } == [true, false, true, false, false])
        #expect(Self.budget(objects[0]) == "100000 1")
        #expect(Self.budget(objects[1]) == "200000 -")
        #expect(Self.budget(objects[2]) == "- 0.01")
        #expect(objects[4]["budget"] == nil, "no budget: none said")
    }

    @Test func theTableIsTerminalSafeAndJSONIsOneObjectPerJob() throws {
        var hostile = Self.jobs[0]
        hostile.name = "agent-\u{1B}]52;c;aGk=\u{07}x"
        hostile.pendingReason = "pulling\u{1B}[2J\nimage"
        let table = try JobList.render([hostile], format: .table, now: Self.now)
        #expect(!table.contains("\u{1B}") && !table.contains("\u{07}"))
        #expect(table.split(separator: "\n").count == 2, "a newline in a cell stays in its row: \(table)")

        let json = try JobList.render(Self.jobs, format: .json, now: Self.now)
        let lines = json.split(separator: "\n")
        #expect(lines.count == 3)
        let first = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        #expect(first["id"] as? String == "a1")
        #expect(first["status"] as? String == "running")
        let raw = try JobList.render([hostile], format: .json, now: Self.now)
        #expect(!raw.contains("\u{1B}"), "JSON escapes control characters")
    }

    @Test func aRefreshBringsTheClustersJobsIntoHistoryAndSaysWhenItCannot() async throws {
        let fixture = try await SimulatedClusterFixture("flightdeck-joblist")
        let task = AgentTask(uuid: "0d5b7c1e-5d4a-4e6b-9c7d-0a1b2c3d4e5f", image: "ghcr.io/flightdeck/sim-agent:1",
            prompt: "list me", environment: ["SIM_AGENT_STEPS": "50"])
        // Submitted without recording it: only the reconcile pass can tell history.
        _ = try await Submitter(api: fixture.api).submit(SubmitPlan(task: task, settings: ClusterSettings(namespace: "agents")))
        #expect(try await JobList.jobs(store: fixture.store, namespace: "agents", limit: 50).isEmpty)

        #expect(await JobList.refresh(store: fixture.store, connection: fixture.connection, queues: QueueConfiguration()) == nil)
        let listed = try await JobList.jobs(store: fixture.store, namespace: "agents", limit: 50)
        #expect(listed.map(\.name) == [TaskManifests.jobName(task)])
        #expect(listed.first?.taskUUID == task.uuid)
        #expect(try await JobList.jobs(store: fixture.store, namespace: "elsewhere", limit: 50).isEmpty)

        // The cluster gone: history still answers, and the reason is one line.
        await fixture.stop()
        let stale = try #require(await JobList.refresh(store: fixture.store, connection: fixture.connection, queues: QueueConfiguration(),
            timeout: .seconds(10)))
        #expect(stale.hasPrefix("showing history only: "), "\(stale)")
        #expect(!stale.contains("\n"))
        #expect(try await JobList.jobs(store: fixture.store, namespace: "agents", limit: 50).count == 1)
    }

    /// A JSON object's `budget` as "TOKENS COST" (`-` for one not set), `nil` without one.
    static func budget(_ object: [String: Any]) -> String? {
        guard let budget = object["budget"] as? [String: Any] else { return nil }
        return "\((budget["tokens"] as? Int).map(String.init) ?? "-") \(budget["cost"] as? String ?? "-")"
    }
}
