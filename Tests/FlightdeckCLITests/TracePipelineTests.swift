import FlightdeckTestSupport
import Foundation
import Testing

/// The trace pipeline as an operator runs it: `flightdeck record` keeping history from the
/// real nats-server while a Python agent (nats-py, the documented example publisher)
/// publishes — through a SIGKILL of flightdeck mid-batch and a nats-server restart — and
/// `flightdeck logs` printing it, live from pod logs too, and safely.
@Suite(.timeLimit(.minutes(4))) struct TracePipelineTests {
    let flightdeck = ProductProcess("flightdeck")
    let dir = TemporaryDirectory()

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let python = root.appendingPathComponent(".build/tools/venv/bin/python").path
    static let publisher = root.appendingPathComponent("docs/examples/trace_publisher.py").path
    static var hasNatsPy: Bool {
        guard FileManager.default.isExecutableFile(atPath: python) else { return false }
        let check = Process()
        check.executableURL = URL(fileURLWithPath: python)
        check.arguments = ["-c", "import nats"]
        check.standardError = FileHandle.nullDevice
        guard (try? check.run()) != nil else { return false }
        check.waitUntilExit()
        return check.terminationStatus == 0
    }

    var env: [String: String] {
        ["FLIGHTDECK_HISTORY_DB": dir.file("history.db"), "HOME": dir.path, "KUBECONFIG": "", "LANG": "C.UTF-8"]
    }

    func startSim(_ name: String) async throws -> (ProductProcess.Running, String) {
        let sim = try flightdeck.start(["sim", "--data-dir", dir.file(name)], environment: env)
        let kubeconfig = dir.file("\(name)/kubeconfig.yaml")
        try await eventually { FileManager.default.fileExists(atPath: kubeconfig) }
        return (sim, kubeconfig)
    }

    func count(_ db: String, _ sql: String) async -> Int {
        Int(await SQLiteProbe.scalar(db, sql).trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
    }

    // MARK: - logs from history

    @Test func logsPrintsAJobsTraceFromHistoryFilteredAndSafe() async throws {
        let lines = [
            #"{"ts":"2026-11-29T07:00:00Z","kind":"thought","phase":"STRATEGIC","text":"plan the fix"}"#,
            #"{"ts":"2026-11-29T07:00:01Z","kind":"action","phase":"TACTICAL","tool":"execute","args":{"command":"pytest"}}"#,
            #"{"ts":"2026-11-29T07:00:02Z","kind":"observation","text":"2 failed","exit_code":1,"duration_ms":2500}"#,
            "\u{1B}]0;pwned\u{07}\u{1B}[2J plain line with ghp_" + String(repeating: "aZ09bY18", count: 5),
        ]
        try lines.joined(separator: "\n").write(toFile: dir.file("run.log"), atomically: true, encoding: .utf8)
        let imported = try await flightdeck.run(["history", "import", "--job", "3f2a9c1b7d4e", dir.file("run.log")], environment: env)
        #expect(imported.status == 0, "\(imported.stderr)")

        let all = try await flightdeck.run(["logs", "3f2a"], environment: env)
        #expect(all.status == 0, "\(all.stderr)")
        let printed = all.stdout.split(separator: "\n")
        #expect(printed.count == 4)
        #expect(printed[0].hasPrefix("07:00:00.000 STRATEGIC  thought     plan the fix"))
        #expect(printed[1].contains("action      execute {\"command\":\"pytest\"}"))
        #expect(printed[2].contains("observation [exit 1, 2.5s] 2 failed"), "\(printed[2])")
        #expect(!all.stdout.contains("\u{1B}") && !all.stdout.contains("\u{07}"))
        #expect(!all.stdout.contains("aZ09bY18aZ09bY18"), "the token is redacted")

        let actions = try await flightdeck.run(["logs", "3f2a9c1b7d4e", "--kind", "action,observation", "-o", "json"],
            environment: env)
        let objects = actions.stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        #expect(objects.map { $0["kind"] as? String } == ["action", "observation"])
        #expect(objects.first?["tool"] as? String == "execute")

        let since = try await flightdeck.run(["logs", "3f2a9c1b7d4e", "--since", "2026-11-29T07:00:01.500Z"], environment: env)
        #expect(since.stdout.split(separator: "\n").count == 2)

        let unknown = try await flightdeck.run(["logs", "nope"], environment: env)
        #expect(unknown.status == 1)
        #expect(unknown.stderr == "flightdeck: history has no job nope (see `flightdeck history jobs`)\n")
        let badKind = try await flightdeck.run(["logs", "3f2a", "--kind", "plan"], environment: env)
        #expect(badKind.status != 0 && badKind.stderr.split(separator: "\n").count == 1)
        #expect(badKind.stderr.contains("--kind: unknown kind 'plan'"))
    }

    // MARK: - NATS, end to end

    func publish(job: String, count: Int, url: String, text: String? = nil) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.python)
        process.arguments = [Self.publisher, "--url", url, "--job", job, "--count", String(count)] + (text.map { ["--text", $0] } ?? [])
        process.standardOutput = FileHandle.nullDevice
        FileManager.default.createFile(atPath: dir.file("publisher-\(job).err"), contents: nil)
        process.standardError = FileHandle(forWritingAtPath: dir.file("publisher-\(job).err"))
        try process.run()
        return process
    }

    @Test(.enabled(if: NATSServerProcess.executable != nil, "nats-server is not installed (apt-get install nats-server)"),
        .enabled(if: TracePipelineTests.hasNatsPy, "nats-py is not in .build/tools/venv (script/test installs it from PyPI)"))
    func aPythonAgentsTraceIsStoredOnceThroughAKilledRecorderAndARestartedServer() async throws {
        let nats = try await NATSServerProcess(jetStream: true)
        let (sim, kubeconfig) = try await startSim("sim")
        defer { sim.kill(SIGKILL) }
        let db = dir.file("history.db")
        let arguments = ["record", "--kubeconfig", kubeconfig, "--nats-url", nats.url, "--history-db", db,
            "--start-from", "all", "--quiet"]
        var recorder = try flightdeck.start(arguments, environment: env)

        let secret = "sk-" + "proj-" + String(repeating: "Tq8vW2xZ", count: 6)
        let publishers = [
            try publish(job: "py1", count: 3_000, url: nats.url),
            try publish(job: "py2", count: 3_000, url: nats.url),
            try publish(job: "py3", count: 300, url: nats.url, text: "step {step} uses \(secret) \u{1B}[2J"),
        ]
        // Killed mid-batch: whatever it committed and had not acked comes again, once.
        try await eventually { await count(db, "SELECT count(*) FROM trace") > 1_500 }
        recorder.kill(SIGKILL)
        _ = await recorder.finish()
        recorder = try flightdeck.start(arguments, environment: env)
        // The server restarts under everyone (its JetStream store survives on disk).
        try await eventually { await count(db, "SELECT count(*) FROM trace") > 2_500 }
        nats.kill()
        try await nats.start()

        for (publisher, job) in zip(publishers, ["py1", "py2", "py3"]) {
            await withCheckedContinuation { done in Thread { publisher.waitUntilExit(); done.resume() }.start() }
            #expect(publisher.terminationStatus == 0,
                "\((try? String(contentsOfFile: dir.file("publisher-\(job).err"), encoding: .utf8)) ?? "")")
        }
        // Every record once, plus each agent's final status.
        try await eventually { await count(db, "SELECT count(*) FROM trace") == 6_303 }
        let distinct = await count(db, "SELECT count(*) FROM (SELECT DISTINCT job, agent_seq FROM trace WHERE agent_seq IS NOT NULL)")
        #expect(distinct == 6_300)
        let perJob = await SQLiteProbe.scalar(db, """
            SELECT group_concat(job_id || '=' || n, ',') FROM (SELECT jobs.job_id, count(*) AS n FROM trace
            JOIN jobs ON jobs.id = trace.job GROUP BY jobs.job_id ORDER BY jobs.job_id)
            """)
        #expect(perJob.trimmingCharacters(in: .whitespacesAndNewlines) == "py1=3001,py2=3001,py3=301")

        // What the Python agent published is what was stored (its step 4 was an action).
        let row = await SQLiteProbe.scalar(db, """
            SELECT kind || '|' || text || '|' || tool || '|' || args || '|' || phase
            FROM trace JOIN jobs ON jobs.id = trace.job WHERE jobs.job_id = 'py1' AND agent_seq = 5
            """).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(row == #"action|step 4: action|execute|{"command":"pytest -k step4"}|TACTICAL"#)
        let observation = await SQLiteProbe.scalar(db, """
            SELECT exit_code || '|' || duration_ms FROM trace JOIN jobs ON jobs.id = trace.job
            WHERE jobs.job_id = 'py2' AND agent_seq = 6
            """).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(observation == "1|15")
        #expect(await count(db, "SELECT count(*) FROM phase_changes") >= 3)
        #expect(await count(db, "SELECT count(*) FROM trace WHERE text LIKE '%Tq8vW2xZTq8vW2xZ%' OR text LIKE '%' || char(27) || '%'") == 0)

        let logs = try await flightdeck.run(["logs", "py3", "--history-db", db], environment: env)
        #expect(logs.stdout.contains("step 299 uses"))
        #expect(!logs.stdout.contains("Tq8vW2xZTq8vW2xZ") && !logs.stdout.contains("\u{1B}"))

        recorder.kill(SIGTERM)
        let stopped = await recorder.finish()
        #expect(stopped.status == 0, "\(stopped.stderr)")
    }

    // MARK: - Pod logs, live

    @Test func logsFollowsAJobLiveFromItsPodLogsUntilItFinishes() async throws {
        let (sim, kubeconfig) = try await startSim("pods")
        defer { sim.kill(SIGKILL) }
        let withCluster = env.merging(["KUBECONFIG": kubeconfig]) { $1 }
        let submitted = try await flightdeck.run(["submit", "--image", "sim-agent", "--prompt", "Fix it",
            "--env", "SIM_AGENT_STEPS=6", "--env", "SIM_AGENT_PACE=0.3", "--uuid", "77777777-1234-4123-8123-123456789abc"],
            environment: withCluster)
        #expect(submitted.status == 0, "\(submitted.stderr)")
        let follow = try await flightdeck.run(["logs", "-f", "agent-777777771234"], environment: withCluster)
        #expect(follow.status == 0, "\(follow.stderr)")
        let lines = follow.stdout.split(separator: "\n")
        #expect(lines.count >= 6, "\(follow.stdout)")
        #expect(follow.stdout.contains(" thought ") && follow.stdout.contains(" action "))
        #expect(!follow.stdout.contains("\u{1B}"))
        // And it stays readable from history alone.
        let later = try await flightdeck.run(["logs", "agent-777777771234"], environment: env)
        #expect(later.stdout == follow.stdout)
    }
}
