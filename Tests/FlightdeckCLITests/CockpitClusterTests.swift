import FlightdeckTestSupport
import Foundation
import Testing

/// The cockpit against `flightdeck sim` in a real terminal (tmux), as an operator uses it on
/// a cluster: a failed job retried with `R`, `:ctx` switching to another kubeconfig context
/// and back while the terminal stays, a context that does not exist refused in one line.
@Suite(.timeLimit(.minutes(4)), .enabled(if: TmuxSession.executable != nil, "\(TmuxSession.unavailableReason)"))
struct CockpitClusterTests {
    let flightdeck = ProductProcess("flightdeck")
    let dir = TemporaryDirectory()

    var env: [String: String] {
        ["FLIGHTDECK_HISTORY_DB": dir.file("history.db"), "HOME": dir.path, "KUBECONFIG": ""]
    }

    /// The sim's kubeconfig with a second context, `other`: the same cluster and user, the
    /// namespace `other` (where no agent runs).
    func kubeconfigWithTwoContexts(_ path: String) throws -> String {
        var lines = try String(contentsOfFile: path, encoding: .utf8).components(separatedBy: "\n")
        let contexts = try #require(lines.firstIndex(of: "contexts:"))
        let user = try #require(lines[contexts...].first { $0.hasPrefix("    user: ") })
        lines.insert(contentsOf: ["- context:", "    cluster: flightdeck-sim", "    namespace: other", user, "  name: other"],
                     at: contexts + 1)
        let out = dir.file("two-contexts.yaml")
        try lines.joined(separator: "\n").write(toFile: out, atomically: true, encoding: .utf8)
        chmod(out, 0o600)
        return out
    }

    @Test func aFailedJobIsRetriedAndCtxSwitchesClusterLive() async throws {
        let sim = try flightdeck.start(["sim", "--data-dir", dir.file("sim")], environment: env)
        defer { sim.kill(SIGKILL) }
        let simKubeconfig = dir.file("sim/kubeconfig.yaml")
        while !FileManager.default.fileExists(atPath: simKubeconfig) { try await Task.sleep(for: .milliseconds(20)) }
        let kubeconfig = try kubeconfigWithTwoContexts(simKubeconfig)
        let withCluster = env.merging(["KUBECONFIG": kubeconfig]) { $1 }
        // A logic error: podFailurePolicy fails the Job at once.
        let submitted = try await flightdeck.run(["submit", "--image", "ghcr.io/flightdeck/sim-agent:1", "--prompt", "Fix it",
            "--env", "SIM_AGENT_FAIL=fatal@1", "--env", "SIM_AGENT_STEPS=20",
            "--uuid", "0badc0de-1234-4123-8123-123456789abc"], environment: withCluster)
        #expect(submitted.status == 0, "\(submitted.stderr)")

        let tmux = try TmuxSession(width: 160, height: 45, command: "env HOME=\(dir.path) FLIGHTDECK_HISTORY_DB=\(dir.file("history.db")) "
            + "KUBECONFIG=\(kubeconfig) \(flightdeck.executable.path); echo \"RESTORED $?\"; sleep 600")
        defer { tmux.kill() }
        // The failed job, selected, offers a retry.
        let failed = try await tmux.waitFor("the failed job with a retry hint", timeout: .seconds(90)) { screen in
            screen.contains { $0.contains("agent-0badc0de1234") } && screen.contains { $0.contains("R retry") }
        }
        #expect(failed.contains { $0.contains("flightdeck-sim (https://127.0.0.1:") }, "\(failed)")
        try await tmux.sendKeys("R")
        let retried = try await tmux.waitFor("the retry started", timeout: .seconds(30)) { screen in
            screen.contains { $0.contains("retry agent-0badc0de1234: started agent-") } || screen.contains { $0.contains("Jobs 2") }
        }
        _ = retried
        _ = try await tmux.waitFor("both jobs listed", timeout: .seconds(30)) { $0.contains { $0.contains("Jobs 2") } }

        // Another context: the same terminal, that context's (empty) namespace.
        try await tmux.sendKeys(":")
        try await tmux.sendKeys("-l", "ctx other")
        try await tmux.sendKeys("Enter")
        let other = try await tmux.waitFor("context other", timeout: .seconds(30)) { screen in
            screen.contains { $0.contains(" other (https://127.0.0.1:") } && screen.contains { $0.contains("no jobs yet") }
        }
        #expect(!other.contains { $0.contains("agent-0badc0de1234") })

        // A context the kubeconfig does not have: one line, and the current one stays.
        try await tmux.sendKeys(":")
        try await tmux.sendKeys("-l", "ctx nope")
        try await tmux.sendKeys("Enter")
        let refused = try await tmux.waitFor("ctx nope refused") { $0.contains { $0.contains("context nope:") } }
        #expect(refused.contains { $0.contains(" other (https://127.0.0.1:") })

        // And back: the jobs are there again, from history and the cluster.
        try await tmux.sendKeys(":")
        try await tmux.sendKeys("-l", "ctx flightdeck-sim")
        try await tmux.sendKeys("Enter")
        _ = try await tmux.waitFor("back on flightdeck-sim", timeout: .seconds(30)) { screen in
            screen.contains { $0.contains(" flightdeck-sim (https://127.0.0.1:") } && screen.contains { $0.contains("Jobs 2") }
        }

        try await tmux.sendKeys("q")
        let after = try await tmux.waitFor(text: "RESTORED")
        #expect(after.contains { $0.hasPrefix("RESTORED 0") }, "\(after)")
        #expect(try await tmux.display("#{alternate_on}") == "0")
    }

    /// A cockpit beside `flightdeck record` on one history file: both pull from the same
    /// durable consumer, so each stores about half of the trace. The cockpit still shows
    /// every record live: what the record process stored reaches it through the history file.
    @Test(.enabled(if: NATSServerProcess.executable != nil, "nats-server is not installed (apt-get install nats-server)"))
    func aCockpitBesideARecordProcessShowsTheWholeTraceLive() async throws {
        let nats = try await NATSServerProcess(jetStream: true)
        defer { nats.kill() }
        let sim = try flightdeck.start(["sim", "--data-dir", dir.file("sim"), "--nats-url", nats.url], environment: env)
        defer { sim.kill(SIGKILL) }
        let kubeconfig = dir.file("sim/kubeconfig.yaml")
        while !FileManager.default.fileExists(atPath: kubeconfig) { try await Task.sleep(for: .milliseconds(20)) }
        let withCluster = env.merging(["KUBECONFIG": kubeconfig]) { $1 }
        let record = try flightdeck.start(["record", "--nats-url", nats.url, "--quiet"], environment: withCluster)
        defer { record.kill(SIGKILL) }

        let tmux = try TmuxSession(width: 160, height: 45, command: "env HOME=\(dir.path) FLIGHTDECK_HISTORY_DB=\(dir.file("history.db")) "
            + "KUBECONFIG=\(kubeconfig) \(flightdeck.executable.path) --nats-url \(nats.url); echo \"RESTORED $?\"; sleep 600")
        defer { tmux.kill() }
        _ = try await tmux.waitFor("the empty cockpit", timeout: .seconds(60)) { $0.contains { $0.contains("no jobs yet") } }
        let submitted = try await flightdeck.run(["submit", "--image", "ghcr.io/flightdeck/sim-agent:1", "--prompt", "Count it",
            "--env", "SIM_AGENT_STEPS=40", "--env", "SIM_AGENT_PACE=0.5",
            "--uuid", "5ba12ed0-1234-4123-8123-123456789abc"], environment: withCluster)
        #expect(submitted.status == 0, "\(submitted.stderr)")

        // Both processes store; once the job is done and the trace stops growing, the
        // cockpit, still following, shows its last record.
        let db = dir.file("history.db")
        func stored() async -> Int {
            Int(await SQLiteProbe.scalar(db, "SELECT count(*) FROM trace WHERE job = (SELECT id FROM jobs WHERE name = 'agent-5ba12ed01234')")) ?? 0
        }
        var total = 0
        let deadline = ContinuousClock.now + .seconds(150)
        while ContinuousClock.now < deadline {
            try await Task.sleep(for: .seconds(2))
            let now = await stored()
            let finished = await SQLiteProbe.scalar(db, "SELECT finished_at IS NOT NULL FROM jobs WHERE name = 'agent-5ba12ed01234'") == "1"
            if finished, now == total, now > 0 { break }
            total = now
        }
        #expect(total > 100, "the agent's trace was stored (\(total) records)")
        let shown = try await tmux.waitFor("the last record, #\(total)", timeout: .seconds(30)) { screen in
            CockpitDemoTests.traceSeq(screen) == total
        }
        #expect(shown.contains { $0.contains("Trace: agent-5ba12ed01234") }, "\(shown)")
        let nats1 = await SQLiteProbe.scalar(db, "SELECT count(*) FROM trace WHERE source_id LIKE 'nats:%'")
        #expect(Int(nats1) ?? 0 > 0, "the trace came over NATS")

        try await tmux.sendKeys("q")
        _ = try await tmux.waitFor(text: "RESTORED")
    }
}
