import FlightdeckTestSupport
import Foundation
import Testing

/// The cockpit's visible queue against `flightdeck sim` in a real terminal (tmux): three tasks
/// submitted to a queue of limit 1 with nothing admitting them show their places and why they
/// wait; raising the last one's priority moves it to the front as the reconciler places it
/// again; start-now (confirmed) starts it, and the others then wait behind it.
@Suite(.timeLimit(.minutes(5)), .enabled(if: TmuxSession.executable != nil, "\(TmuxSession.unavailableReason)"))
struct CockpitQueueTests {
    let flightdeck = ProductProcess("flightdeck")
    let dir = TemporaryDirectory()

    var env: [String: String] {
        ["FLIGHTDECK_HISTORY_DB": dir.file("history.db"), "HOME": dir.path, "KUBECONFIG": ""]
    }

    /// The screen's row naming `job`, if it shows.
    static func row(_ screen: [String], _ job: String) -> String? {
        screen.first { $0.contains(job) && !$0.contains("Trace: \(job)") }
    }

    @Test func queuedJobsShowTheirPlaceAndTheKeysReorderAndStartThem() async throws {
        // ~/.config/flightdeck/config.yaml (HOME is the test's directory): one queue, one at a time.
        let configDirectory = dir.file(".config/flightdeck")
        try FileManager.default.createDirectory(atPath: configDirectory, withIntermediateDirectories: true)
        try "queues:\n  - {name: homelab, limit: 1}\n".write(toFile: configDirectory + "/config.yaml", atomically: true,
            encoding: .utf8)

        let sim = try flightdeck.start(["sim", "--data-dir", dir.file("sim")], environment: env)
        defer { sim.kill(SIGKILL) }
        let kubeconfig = dir.file("sim/kubeconfig.yaml")
        while !FileManager.default.fileExists(atPath: kubeconfig) { try await Task.sleep(for: .milliseconds(20)) }
        let withCluster = env.merging(["KUBECONFIG": kubeconfig]) { $1 }

        // Nothing admits (no `flightdeck record` runs): all three wait, in submission order
        // within a priority.
        let (a, b, c) = ("agent-0000000a0000", "agent-0000000b0000", "agent-0000000c0000")
        for (letter, priority) in [("a", "normal"), ("b", "normal"), ("c", "low")] {
            let submitted = try await flightdeck.run(["submit", "--image", "ghcr.io/flightdeck/sim-agent:1",
                "--prompt", "Wait in line \(letter)", "--queue", "homelab", "--priority", priority,
                "--env", "SIM_AGENT_STEPS=600", "--env", "SIM_AGENT_PACE=0.5",
                "--uuid", "0000000\(letter)-0000-4123-8123-123456789abc"], environment: withCluster)
            #expect(submitted.status == 0, "\(submitted.stderr)")
        }

        let tmux = try TmuxSession(width: 240, height: 45, command: "env HOME=\(dir.path) FLIGHTDECK_HISTORY_DB=\(dir.file("history.db")) "
            + "KUBECONFIG=\(kubeconfig) \(flightdeck.executable.path); echo \"RESTORED $?\"; sleep 600")
        defer { tmux.kill() }

        // Places, priorities and reasons: the head has nothing to admit it, the others wait
        // behind the one the limit lets through.
        let line = try await tmux.waitFor("three queued jobs in line", timeout: .seconds(90)) { screen in
            guard let first = Self.row(screen, a), let second = Self.row(screen, b), let third = Self.row(screen, c) else { return false }
            return first.contains("#1 normal") && first.contains("homelab: nothing admits it")
                && second.contains("#2 normal") && second.contains("homelab: 0/1 running, 1 starting")
                && third.contains("#3 low") && third.contains("homelab: 0/1 running, 1 starting")
        }
        #expect(line.contains { $0.contains("3 queued") }, "\(line)")
        let rows = [a, b, c].compactMap { job in line.firstIndex { $0.contains(job) && !$0.contains("Trace: \(job)") } }
        #expect(rows == rows.sorted() && rows.count == 3, "in line order: \(line)")

        // The last one, raised twice: low → normal (still third, after the older two), then
        // high: first in line.
        try await tmux.sendKeys("G")
        try await tmux.sendKeys("+")
        _ = try await tmux.waitFor("the last one at normal", timeout: .seconds(30)) { screen in
            Self.row(screen, c)?.contains("#3 normal") == true
        }
        try await tmux.sendKeys("+")
        let raised = try await tmux.waitFor("the last one first in line", timeout: .seconds(30)) { screen in
            Self.row(screen, c)?.contains("#1 high") == true && Self.row(screen, a)?.contains("#2 normal") == true
                && Self.row(screen, b)?.contains("#3 normal") == true
        }
        let reordered = [c, a, b].compactMap { job in raised.firstIndex { $0.contains(job) && !$0.contains("Trace: \(job)") } }
        #expect(reordered == reordered.sorted() && reordered.count == 3, "first in line, first in the list: \(raised)")
        #expect(Self.row(raised, c)?.contains("nothing admits it") == true, "\(raised)")

        // Start it now: asked first, then it leaves the queue and the others wait behind it.
        try await tmux.sendKeys("S")
        _ = try await tmux.waitFor("the start-now question", timeout: .seconds(10)) { screen in
            screen.contains { $0.contains("Start \(c) now, ahead of queue homelab?") }
        }
        try await tmux.sendKeys("y")
        let started = try await tmux.waitFor("the job started, the others behind it", timeout: .seconds(60)) { screen in
            guard let row = Self.row(screen, c), let first = Self.row(screen, a) else { return false }
            return !row.contains("#1") && first.contains("#1 normal") && first.contains("homelab: 1/1 running")
                && screen.contains { $0.contains("2 queued") }
        }
        #expect(Self.row(started, b)?.contains("#2 normal") == true, "\(started)")

        // The new-task form's queue and priority are checked as `flightdeck submit` checks them.
        try await tmux.sendKeys("n")
        _ = try await tmux.waitFor(text: "New task", timeout: .seconds(10))
        try await tmux.sendKeys("-l", "Elsewhere")
        try await tmux.sendKeys("Tab", "Tab", "Tab", "Tab")
        try await tmux.sendKeys("-l", "gpu")
        try await tmux.sendKeys("Enter")
        _ = try await tmux.waitFor(text: "submit: queue \"gpu\" is not configured (queues: homelab)", timeout: .seconds(30))
        try await tmux.sendKeys("n")
        _ = try await tmux.waitFor(text: "New task", timeout: .seconds(10))
        try await tmux.sendKeys("-l", "Urgently")
        try await tmux.sendKeys("BTab", "BTab", "BTab")  // past the budget fields to the priority
        try await tmux.sendKeys("-l", "urgent")
        try await tmux.sendKeys("Enter")
        _ = try await tmux.waitFor(text: "submit: --priority urgent: expected high|normal|low", timeout: .seconds(30))

        try await tmux.sendKeys("q")
        let after = try await tmux.waitFor(text: "RESTORED")
        #expect(after.contains { $0.hasPrefix("RESTORED 0") }, "\(after)")
    }
}
