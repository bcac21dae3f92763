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
            ["NAME", "STATUS", "RETRIES", "NODE", "AGE", "WHY"],
            ["agent-a1", "running", "1/3", "node-1", "1m", ""],
            ["agent-b2", "succeeded (deleted)", "0/-", "-", "2h", ""],
            ["c3", "deleted", "0/-", "-", "-", "waiting for a node"],
        ])
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
}
