import FlightdeckTestSupport
import Foundation
import Testing

/// Per-task budgets as an operator meets them: `flightdeck submit --budget-tokens
/// --budget-cost` against `flightdeck sim`, the agent's token use imported into history, then
/// `flightdeck jobs` (table and JSON) and the cockpit in a real terminal (tmux) flagging the job
/// that went over — and a bad budget refused in one line, from a flag or a template.
@Suite(.timeLimit(.minutes(4))) struct JobBudgetCommandTests {
    let flightdeck = ProductProcess("flightdeck")
    let dir = TemporaryDirectory()

    var env: [String: String] {
        ["FLIGHTDECK_HISTORY_DB": dir.file("history.db"), "HOME": dir.path, "KUBECONFIG": "", "LANG": "C.UTF-8"]
    }

    @Test(.enabled(if: TmuxSession.executable != nil, "\(TmuxSession.unavailableReason)"))
    func aJobOverItsBudgetIsFlaggedByJobsAndTheCockpit() async throws {
        // ~/.config/flightdeck/config.yaml (HOME is the test's directory): the prices.
        let configDirectory = dir.file(".config/flightdeck")
        try FileManager.default.createDirectory(atPath: configDirectory, withIntermediateDirectories: true)
        try "prices:\n  currency: USD\n  models:\n    gpt-4o: {input: 2.50, output: 10.00}\n"
            .write(toFile: configDirectory + "/config.yaml", atomically: true, encoding: .utf8)

        let sim = try flightdeck.start(["sim", "--data-dir", dir.file("sim")], environment: env)
        defer { sim.kill(SIGKILL) }
        let kubeconfig = dir.file("sim/kubeconfig.yaml")
        while !FileManager.default.fileExists(atPath: kubeconfig) { try await Task.sleep(for: .milliseconds(20)) }
        let withCluster = env.merging(["KUBECONFIG": kubeconfig]) { $1 }

        // Two tasks with budgets; the agents run slowly, so they are still running below.
        let (over, within) = ("agent-0000000e0000", "agent-0000000f0000")
        for (letter, budget) in [("e", ["--budget-tokens", "100000", "--budget-cost", "1"]), ("f", ["--budget-tokens", "2000000"])] {
            let submitted = try await flightdeck.run(["submit", "--image", "ghcr.io/flightdeck/sim-agent:1", "--prompt", "Spend \(letter)",
                "--env", "SIM_AGENT_STEPS=600", "--env", "SIM_AGENT_PACE=0.5",
                "--uuid", "0000000\(letter)-0000-4123-8123-123456789abc"] + budget, environment: withCluster)
            #expect(submitted.status == 0, "\(submitted.stderr)")
        }
        // What their agents reported (the sim's agents report no usage): imported under their ids.
        for (job, input) in [("0000000e0000", 118_000), ("0000000f0000", 1_000)] {
            let file = dir.file("\(job).log")
            try #"{"ts":"2026-11-29T07:00:00Z","kind":"thought","text":"plan","usage":{"input_tokens":\#(input),"output_tokens":2000,"model":"gpt-4o"}}"#
                .write(toFile: file, atomically: true, encoding: .utf8)
            let imported = try await flightdeck.run(["history", "import", "--job", job, file], environment: env)
            #expect(imported.status == 0, "\(imported.stderr)")
        }

        let table = try await flightdeck.run(["jobs", "--offline"], environment: env)
        #expect(table.status == 0, "\(table.stderr)")
        let overRow = table.stdout.split(separator: "\n").first { $0.hasPrefix(over) }.map(String.init) ?? ""
        // 118k × 2.50 + 2k × 10.00 per million = 0.295 + 0.02.
        #expect(overRow.contains("120k/100k") && overRow.contains("$0.32/$1.00") && overRow.contains("over budget: 120k/100k tokens"),
            "\(table.stdout)")
        let withinRow = table.stdout.split(separator: "\n").first { $0.hasPrefix(within) }.map(String.init) ?? ""
        #expect(withinRow.contains("3k/2M") && !withinRow.contains("over budget"), "\(table.stdout)")

        let json = try await flightdeck.run(["jobs", "--offline", "-o", "json"], environment: env)
        #expect(json.status == 0, "\(json.stderr)")
        let objects = json.stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        let byName = Dictionary(objects.compactMap { object in (object["name"] as? String).map { ($0, object) } }) { first, _ in first }
        #expect(byName[over]?["overBudget"] as? Bool == true && byName[within]?["overBudget"] as? Bool == false, "\(json.stdout)")
        #expect(byName[over].map(Self.budget) == "100000 1", "\(json.stdout)")
        #expect(byName[within].map(Self.budget) == "2000000 -")

        // The cockpit: the job is marked and says why; selected, the status bar says it too.
        let tmux = try TmuxSession(width: 240, height: 45, command: "env HOME=\(dir.path) FLIGHTDECK_HISTORY_DB=\(dir.file("history.db")) "
            + "KUBECONFIG=\(kubeconfig) \(flightdeck.executable.path); echo \"RESTORED $?\"; sleep 600")
        defer { tmux.kill() }
        func row(_ screen: [String], _ job: String) -> String? { screen.first { $0.contains(job) && !$0.contains("Trace: \(job)") } }
        let flagged = try await tmux.waitFor("the job over its budget flagged", timeout: .seconds(90)) { screen in
            guard let line = row(screen, over), let other = row(screen, within) else { return false }
            return line.contains("!● \(over)") && line.contains("120k") && line.contains("$0.32")
                && line.contains("over 120k/100k tokens") && other.contains("3k") && !other.contains("!●")
        }
        #expect(flagged.contains { $0.contains("Jobs 2") && $0.contains("1 over budget") }, "\(flagged)")
        #expect(flagged.contains { $0.contains("TOKENS") && $0.contains("COST") }, "\(flagged)")

        // Select the job over budget: filtered down to it, it is the one selected.
        try await tmux.sendKeys("/")
        try await tmux.sendKeys("-l", "0000000e")
        try await tmux.sendKeys("Enter")
        _ = try await tmux.waitFor("the status bar saying so", timeout: .seconds(30)) { screen in
            screen.last { !$0.isEmpty }?.contains("! over budget: 120k/100k tokens $0.32/$1.00") == true
        }
        try await tmux.sendKeys("q")
        let after = try await tmux.waitFor(text: "RESTORED")
        #expect(after.contains { $0.hasPrefix("RESTORED 0") }, "\(after)")
    }

    @Test func aBadBudgetIsOneLineFromAFlagOrATemplate() async throws {
        for (arguments, message) in [
            (["--budget-tokens", "12k"], "--budget-tokens 12k: expected a whole number of tokens like 2000000"),
            (["--budget-cost", "cheap"], "--budget-cost cheap: expected an amount like 2.50 or 0"),
        ] {
            let result = try await flightdeck.run(["manifests", "task", "--prompt", "p"] + arguments, environment: env)
            #expect(result.status != 0 && result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
            #expect(result.stderr.contains(message), "\(result.stderr)")
        }
        try "prompt: p\nbudget:\n  tokens: 100000\n  cost: 2,50\n".write(toFile: dir.file("task.yaml"), atomically: true,
            encoding: .utf8)
        let result = try await flightdeck.run(["manifests", "task", "--template", dir.file("task.yaml")], environment: env)
        #expect(result.status != 0 && result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        #expect(result.stderr.contains("task.yaml:4:9: budget.cost should be an amount like 2.50 or 0, not \"2,50\""),
            "\(result.stderr)")
        // A good one makes the same manifests: the budget never reaches the cluster.
        let plain = try await flightdeck.run(["manifests", "task", "--prompt", "p", "--uuid", "0000000e-0000-4123-8123-123456789abc"],
            environment: env)
        let budgeted = try await flightdeck.run(["manifests", "task", "--prompt", "p", "--uuid", "0000000e-0000-4123-8123-123456789abc",
            "--budget-tokens", "100000", "--budget-cost", "2.50"], environment: env)
        #expect(plain.status == 0 && budgeted.status == 0 && plain.stdout == budgeted.stdout, "\(budgeted.stderr)")
    }

    /// A JSON object's `budget` as "TOKENS COST" (`-` for one not set), `nil` without one.
    static func budget(_ object: [String: Any]) -> String? {
        guard let budget = object["budget"] as? [String: Any] else { return nil }
        return "\((budget["tokens"] as? Int).map(String.init) ?? "-") \(budget["cost"] as? String ?? "-")"
    }
}
