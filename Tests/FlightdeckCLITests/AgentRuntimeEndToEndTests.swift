import FlightdeckTestSupport
import Foundation
import Testing

/// The real agent under Flightdeck, end to end: `flightdeck submit` to `flightdeck sim`, whose
/// node runs the agent runtime's reference agent (real LangGraph, a scripted model) as a real
/// process; its trace crosses the real nats-server into history (`flightdeck record`) and the
/// cockpit (tmux). The process is SIGKILLed mid-run: the Job retries and the agent resumes
/// from its checkpoint with no step run twice.
@Suite(.timeLimit(.minutes(6)),
    .enabled(if: TmuxSession.executable != nil, "\(TmuxSession.unavailableReason)"),
    .enabled(if: NATSServerProcess.executable != nil, "nats-server is not installed (apt-get install nats-server)"),
    .enabled(if: AgentRuntimeVenv.python != nil, "\(AgentRuntimeVenv.unavailableReason)"))
struct AgentRuntimeEndToEndTests {
    let flightdeck = ProductProcess("flightdeck")
    let dir = TemporaryDirectory()

    var env: [String: String] {
        ["FLIGHTDECK_HISTORY_DB": dir.file("history.db"), "HOME": dir.path, "KUBECONFIG": "",
            "FLIGHTDECK_AGENT_PYTHON": AgentRuntimeVenv.python ?? ""]
    }

    func query(_ sql: String) async -> String { await SQLiteProbe.scalar(dir.file("history.db"), sql) }

    /// The pids of the agent runtime's processes that run job `jobID` (their environment says so).
    static func agentProcesses(job jobID: String) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { pid in
            guard let command = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"),
                String(decoding: command, as: UTF8.self).contains("flightdeck_agent"),
                let environment = FileManager.default.contents(atPath: "/proc/\(pid)/environ")
            else { return false }
            return environment.split(separator: 0).contains { String(decoding: $0, as: UTF8.self) == "JOB_ID=\(jobID)" }
        }
    }

    @Test func aRealAgentIsWatchedLiveAndResumesFromItsCheckpointAfterSIGKILL() async throws {
        let nats = try await NATSServerProcess(jetStream: true)
        defer { nats.kill() }
        let sim = try flightdeck.start(["sim", "--data-dir", dir.file("sim"), "--nats-url", nats.url,
            "--agent-runtime", "python"], environment: env)
        defer { sim.kill(SIGKILL) }
        let kubeconfig = dir.file("sim/kubeconfig.yaml")
        while !FileManager.default.fileExists(atPath: kubeconfig) { try await Task.sleep(for: .milliseconds(20)) }
        let withCluster = env.merging(["KUBECONFIG": kubeconfig]) { $1 }
        let record = try flightdeck.start(["record", "--nats-url", nats.url, "--quiet"], environment: withCluster)
        defer { record.kill(SIGKILL) }

        // The default image is the agent runtime's; the model key is a secret file.
        let key = dir.file("openai-api-key")
        try "sk-test-e2e-not-a-real-key-1234567890".write(toFile: key, atomically: true, encoding: .utf8)
        let submitted = try await flightdeck.run(["submit", "--prompt", "Write wordfreq.top_words(text, n) with a test, and make the test pass",
            "--env", "AGENT_MODEL=scripted:demo", "--env", "AGENT_STEP_DELAY=0.4", "--secret-file", "openai-api-key=\(key)",
            "--uuid", "7e57a9e1-1234-4123-8123-123456789abc"], environment: withCluster)
        #expect(submitted.status == 0, "\(submitted.stderr)")
        let jobID = "7e57a9e11234"
        let job = "(SELECT id FROM jobs WHERE name = 'agent-\(jobID)')"

        // Mid-run: a checkpoint and a tool call stored. Then the agent's process is SIGKILLed.
        let deadline = ContinuousClock.now + .seconds(150)
        while Int(await query("SELECT count(*) FROM trace WHERE job = \(job) AND kind = 'action'")) ?? 0 < 2 {
            #expect(ContinuousClock.now < deadline, "no actions stored; the agent's log:\n\(podLog())")
            if ContinuousClock.now >= deadline { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        let victims = Self.agentProcesses(job: jobID)
        #expect(victims.count == 1, "one agent process runs the job: \(victims)")
        for pid in victims { kill(pid, SIGKILL) }

        // The Job retries; the new pod's agent resumes and finishes.
        while await query("SELECT status FROM jobs WHERE name = 'agent-\(jobID)'") != "succeeded" {
            #expect(ContinuousClock.now < deadline + .seconds(90), "the job did not succeed; the agent's log:\n\(podLog())")
            if ContinuousClock.now >= deadline + .seconds(90) { return }
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(Int(await query("SELECT retries FROM jobs WHERE id = \(job)")) ?? 0 >= 1, "the kill cost one retry")
        #expect(await query("SELECT count(*) FROM trace WHERE job = \(job) AND kind = 'message' AND text LIKE 'resumed from checkpoint%'")
            == "1", "the second pod resumed from the checkpoint")
        // No step ran twice and none was lost: as many thoughts and tool calls as the model's
        // script has answers with text and tool calls (the same command may legitimately run
        // twice in it: before and after a fix).
        let script = try Self.scriptCounts("demo")
        let wholeTrace = await query("SELECT group_concat(kind || ' ' || text, char(10)) FROM trace WHERE job = \(job)")
        #expect(await query("SELECT count(*) FROM trace WHERE job = \(job) AND kind = 'thought'") == String(script.thoughts),
            "\(wholeTrace)")
        #expect(await query("SELECT count(*) FROM trace WHERE job = \(job) AND kind = 'action'") == String(script.actions),
            "\(wholeTrace)")
        #expect(await query("SELECT count(*) FROM trace WHERE job = \(job) AND kind = 'observation' AND exit_code IS NOT NULL") != "0")
        #expect(await query("SELECT count(DISTINCT phase) FROM phase_changes WHERE job = \(job) AND phase IN ('STRATEGIC', 'TACTICAL')") == "2")
        #expect(await query("SELECT count(*) FROM markers WHERE job = \(job) AND kind = 'checkpoint'") != "0")
        #expect(await query("SELECT count(*) FROM markers WHERE job = \(job) AND kind IN ('retry', 'failure', 'podRestart')") != "0",
            "the kill is on the timeline")
        // The model key never reached history.
        #expect(await query("SELECT count(*) FROM trace WHERE job = \(job) AND (text LIKE '%1234567890%' OR raw LIKE '%1234567890%')") == "0")

        // The cockpit shows the run: thoughts, actions and both phases.
        let tmux = try TmuxSession(width: 180, height: 50, command: "env HOME=\(dir.path) FLIGHTDECK_HISTORY_DB=\(dir.file("history.db")) "
            + "KUBECONFIG=\(kubeconfig) \(flightdeck.executable.path) --nats-url \(nats.url); echo \"RESTORED $?\"; sleep 600")
        defer { tmux.kill() }
        let screen = try await tmux.waitFor("the real agent's run in the cockpit", timeout: .seconds(60)) { screen in
            screen.contains { $0.contains("agent-\(jobID)") } && screen.contains { $0.contains(" think ") }
                && screen.contains { $0.contains(" act ") } && screen.contains { $0.contains("Timeline") }
        }
        #expect(screen.contains { $0.contains("execute") }, "\(screen.joined(separator: "\n"))")
        try await tmux.sendKeys("q")
        _ = try await tmux.waitFor(text: "RESTORED")
    }

    /// How many answers with text, and how many tool calls, a built-in model script has.
    static func scriptCounts(_ name: String) throws -> (thoughts: Int, actions: Int) {
        let url = AgentRuntimeVenv.checkout.appendingPathComponent(
            "flightdeck-agent/src/flightdeck_agent/reference/scripts/\(name).json")
        let script = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let steps = try #require(script["steps"] as? [[String: Any]])
        let thoughts = steps.filter { !((($0["content"] as? String) ?? "").isEmpty) }.count
        let actions = steps.map { ($0["tool_calls"] as? [Any])?.count ?? 0 }.reduce(0, +)
        return (thoughts, actions)
    }

    /// The agent container's log files in the sim's data directory, for a failure's message.
    func podLog() -> String {
        let root = dir.file("sim/logs/pods")
        let files = (FileManager.default.enumerator(atPath: root)?.allObjects as? [String] ?? [])
            .filter { $0.contains("/agent/") && $0.hasSuffix(".log") }.sorted()
        return files.compactMap { try? String(contentsOfFile: root + "/" + $0, encoding: .utf8) }.joined(separator: "\n---\n")
            .suffix(6000).description
    }
}
