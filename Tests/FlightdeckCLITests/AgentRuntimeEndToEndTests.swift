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

    /// nats-server, `flightdeck sim` running the runtime's image for real, and `flightdeck
    /// record` keeping history: what an operator runs on the node.
    struct Cluster {
        let nats: NATSServerProcess
        let sim: ProductProcess.Running
        let record: ProductProcess.Running
        let kubeconfig: String
        let environment: [String: String]

        func stop() {
            record.kill(SIGKILL)
            sim.kill(SIGKILL)
            nats.kill()
        }
    }

    func startCluster() async throws -> Cluster {
        let nats = try await NATSServerProcess(jetStream: true)
        let sim = try flightdeck.start(["sim", "--data-dir", dir.file("sim"), "--nats-url", nats.url,
            "--agent-runtime", "python"], environment: env)
        let kubeconfig = dir.file("sim/kubeconfig.yaml")
        while !FileManager.default.fileExists(atPath: kubeconfig) { try await Task.sleep(for: .milliseconds(20)) }
        let withCluster = env.merging(["KUBECONFIG": kubeconfig]) { $1 }
        let record = try flightdeck.start(["record", "--nats-url", nats.url, "--quiet"], environment: withCluster)
        return Cluster(nats: nats, sim: sim, record: record, kubeconfig: kubeconfig, environment: withCluster)
    }

    /// Submits the reference agent with `model` (an `AGENT_MODEL`) and the API key as a secret
    /// file, as an operator whose config names the NATS server (so the job's command queue is
    /// made at submit, and its agent reads it from its first step).
    func submit(_ cluster: Cluster, uuid: String, model: String, key: String) async throws {
        let keyFile = dir.file("openai-api-key")
        try key.write(toFile: keyFile, atomically: true, encoding: .utf8)
        // No --image: the default image is the agent runtime's.
        let submitted = try await flightdeck.run(["submit", "--prompt", "Write wordfreq.top_words(text, n) with a test, and make the test pass",
            "--env", "AGENT_MODEL=\(model)", "--env", "AGENT_STEP_DELAY=0.4", "--secret-file", "openai-api-key=\(keyFile)",
            "--uuid", uuid, "--nats-url", cluster.nats.url], environment: cluster.environment)
        #expect(submitted.status == 0, "\(submitted.stderr)")
    }

    /// Waits for the job's status in history; `false` (with an issue) after `limit`.
    func waitForStatus(_ jobID: String, _ status: String, within limit: Duration) async throws -> Bool {
        let deadline = ContinuousClock.now + limit
        while await query("SELECT status FROM jobs WHERE name = 'agent-\(jobID)'") != status {
            if ContinuousClock.now >= deadline {
                Issue.record("agent-\(jobID) is not \(status); the agent's log:\n\(podLog())")
                return false
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        return true
    }

    /// The cockpit in tmux on the cluster and the history.
    func cockpit(_ cluster: Cluster) throws -> TmuxSession {
        try TmuxSession(width: 180, height: 50, command: "env HOME=\(dir.path) FLIGHTDECK_HISTORY_DB=\(dir.file("history.db")) "
            + "KUBECONFIG=\(cluster.kubeconfig) \(flightdeck.executable.path) --nats-url \(cluster.nats.url); echo \"RESTORED $?\"; sleep 600")
    }

    @Test func aRealAgentIsWatchedLiveAndResumesFromItsCheckpointAfterSIGKILL() async throws {
        let cluster = try await startCluster()
        defer { cluster.stop() }
        try await submit(cluster, uuid: "7e57a9e1-1234-4123-8123-123456789abc", model: "scripted:demo",
            key: "sk-test-e2e-not-a-real-key-1234567890")
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
        guard try await waitForStatus(jobID, "succeeded", within: .seconds(150)) else { return }
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
        let tmux = try cockpit(cluster)
        defer { tmux.kill() }
        // (The timeline's lanes are the rows with phase fills; the kill is a retry or restart
        // marker on one of them, not only in the legend.)
        let screen = try await tmux.waitFor("the real agent's run in the cockpit, the kill on its timeline",
            timeout: .seconds(60)) { screen in
            screen.contains { $0.contains("agent-\(jobID)") } && screen.contains { $0.contains(" think ") }
                && screen.contains { $0.contains(" act ") } && screen.contains { $0.contains("Timeline") }
                && screen.contains { ($0.contains("█") || $0.contains("▒")) && !$0.contains("STRATEGIC")
                    && ($0.contains("⟲") || $0.contains("↻")) }
        }
        #expect(screen.contains { $0.contains("execute") }, "\(screen.joined(separator: "\n"))")
        try await tmux.sendKeys("q")
        _ = try await tmux.waitFor(text: "RESTORED")
    }

    /// The operator steers the real agent with Flightdeck's own commands (through the job's
    /// JetStream queue, which the submit made): it pauses between steps and says so, takes an
    /// instruction into its next strategic step, resumes and finishes.
    @Test func flightdeckSteersTheRealAgentPauseInstructResume() async throws {
        let cluster = try await startCluster()
        defer { cluster.stop() }
        try await submit(cluster, uuid: "57ee12ab-1234-4123-8123-123456789abc", model: "scripted:demo",
            key: "sk-test-steer-not-a-real-key-0000000")
        let jobID = "57ee12ab1234"
        let job = "(SELECT id FROM jobs WHERE name = 'agent-\(jobID)')"
        func steer(_ words: String...) async throws {
            let result = try await flightdeck.run(["jobs", "steer", "agent-\(jobID)"] + words + ["--nats-url", cluster.nats.url],
                environment: cluster.environment)
            #expect(result.status == 0, "\(words): \(result.stderr)")
        }
        func stored(_ condition: String) async -> Int {
            Int(await query("SELECT count(*) FROM trace WHERE job = \(job) AND \(condition)")) ?? 0
        }
        let deadline = ContinuousClock.now + .seconds(150)
        while await stored("kind = 'thought'") < 1 {
            if ContinuousClock.now >= deadline { Issue.record("no thought stored:\n\(podLog())"); return }
            try await Task.sleep(for: .milliseconds(100))
        }
        try await steer("pause")
        while await stored("text LIKE 'agent status: paused%'") < 1 {
            if ContinuousClock.now >= deadline { Issue.record("the agent did not pause:\n\(podLog())"); return }
            try await Task.sleep(for: .milliseconds(100))
        }
        // Paused: nothing more is thought or done (the heartbeat goes on, so the pod lives).
        let whilePaused = await stored("kind IN ('thought', 'action')")
        try await steer("instruct", "Keep", "the", "module", "free", "of", "dependencies")
        try await Task.sleep(for: .seconds(2))
        #expect(await stored("kind IN ('thought', 'action')") == whilePaused, "a paused agent took a step")
        try await steer("resume")
        guard try await waitForStatus(jobID, "succeeded", within: .seconds(150)) else { return }
        #expect(await stored("kind = 'message' AND text LIKE 'operator instruction: Keep the module free of dependencies%'") == 1)
        #expect(await stored("text LIKE 'agent status: running%'") == 1, "the resume was announced")
        #expect(await stored("text LIKE 'agent status: done%'") == 1)
    }

    /// The hostile script (`flightdeck-agent/tests/scripts/hostile.json`): escape sequences,
    /// the model key in plain text, invalid UTF-8 and a megabyte of tool output, a path out of
    /// the workspace — through the real runtime, the real NATS and Flightdeck's ingestion.
    @Test func hostileModelOutputReachesNeitherHistoryNorTheTerminalUnsanitised() async throws {
        let cluster = try await startCluster()
        defer { cluster.stop() }
        let key = "sk-test-Q2hhbmdlTWVQbGVhc2UhISExMjM0NTY3ODk"
        let script = AgentRuntimeVenv.checkout.appendingPathComponent("flightdeck-agent/tests/scripts/hostile.json").path
        try await submit(cluster, uuid: "0571e000-1234-4123-8123-123456789abc", model: "scripted:\(script)", key: key)
        let jobID = "0571e0001234"
        guard try await waitForStatus(jobID, "succeeded", within: .seconds(150)) else { return }
        let job = "(SELECT id FROM jobs WHERE name = 'agent-\(jobID)')"

        let audit = try await HistoryAudit.run(dir.file("history.db"), secrets: [key, String(key.dropFirst(8))])
        #expect(audit.problems.isEmpty, "\(audit.output)")
        #expect(audit.longest < 1_100_000, "\(audit.longest)")
        // What was there is still told: the escapes made visible, the key's redaction, the cut output.
        #expect(await query("SELECT count(*) FROM trace WHERE job = \(job) AND text LIKE '%Plan with escapes%' AND text LIKE '%^[[2J%'") == "1")
        #expect(await query("SELECT count(*) FROM trace WHERE job = \(job) AND text LIKE '%redacted%'") != "0")
        #expect(await query("SELECT count(*) FROM trace WHERE job = \(job) AND text LIKE '%truncated%'") != "0")
        #expect(await query("SELECT count(*) FROM trace WHERE job = \(job) AND text LIKE '%tail-marker%'") != "0",
            "the end of a capped output is kept")
        #expect(!FileManager.default.fileExists(atPath: dir.file("sim/escape.txt")))

        // The cockpit shows it with nothing reaching the terminal: the title is not set, the
        // screen is not cleared, and the key is not on it.
        let tmux = try cockpit(cluster)
        defer { tmux.kill() }
        let screen = try await tmux.waitFor("the hostile run in the cockpit", timeout: .seconds(60)) { screen in
            screen.contains { $0.contains("agent-\(jobID)") } && screen.contains { $0.contains("Plan with escapes") }
        }
        #expect(!screen.joined().contains(key))
        #expect(try await tmux.display("#{pane_title}") != "pwned")
        #expect(screen.contains { $0.contains("^[[2J") }, "the escape is shown, not obeyed")
        try await tmux.sendKeys("q")
        _ = try await tmux.waitFor(text: "RESTORED")
    }

    /// The demo with the agent runtime (what `script/demo` runs): real LangGraph agents as
    /// local processes, each showing its fault — a clean run, a self-kill resumed from the
    /// checkpoint, a rate limit retried, a rejected key that fails its Job at once.
    @Test func demoRunsRealAgentsWithTheirFaults() async throws {
        let result = try await flightdeck.run(["demo", "--agents", "4", "--speed", "8", "--duration", "45",
            "--agent-runtime", "python", "--data-dir", dir.file("demo")],
            environment: env)
        #expect(result.status == 0, "\(result.stderr)")
        let out = result.stdout
        #expect(out.contains("agents: real LangGraph agents"))
        for (title, outcome) in [("fix a failing test", "succeeded\n"), ("crash and resume", "succeeded (1/3 retries)"),
            ("rate limited", "succeeded (1/3 retries)"), ("rejected key", "failed (1/3 retries): PodFailurePolicy")]
        {
            #expect(out.contains("[\(title)]  \(outcome)"), "\(title): \(out.suffix(3000))")
        }
        #expect(out.contains("resumed from checkpoint step"))
        #expect(out.contains("RateLimitError"))
        #expect(out.contains("AuthenticationError"))
        #expect(!out.contains("sk-demo-not-a-real-key-0000"), "the key is redacted")
        #expect(!out.contains("\u{1B}"))
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
