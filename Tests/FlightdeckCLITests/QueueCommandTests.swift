import FlightdeckTestSupport
import Foundation
import Testing

/// Task queues through the real binary against `flightdeck sim`: submit puts tasks in line,
/// `flightdeck queue` shows places and reasons (table and JSON), a waiting job's priority,
/// queue and start are changed, mistakes are one line, and `flightdeck record` admits.
@Suite(.timeLimit(.minutes(3))) struct QueueCommandTests {
    let flightdeck = ProductProcess("flightdeck")
    let dir = TemporaryDirectory()

    var env: [String: String] {
        ["FLIGHTDECK_HISTORY_DB": dir.file("history.db"), "HOME": dir.path, "KUBECONFIG": "",
         "XDG_CONFIG_HOME": dir.file("xdg"), "LANG": "C.UTF-8"]
    }

    static let uuids = ["low": "11111111-1111-4111-8111-111111111111", "normal": "22222222-2222-4222-8222-222222222222",
        "high": "33333333-3333-4333-8333-333333333333"]
    static func job(_ priority: String) -> String { "agent-" + uuids[priority]!.replacingOccurrences(of: "-", with: "").prefix(12) }

    func json(_ text: String) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
    }

    func waiting(_ report: [String: Any]) -> [[String: Any]] { report["waiting"] as? [[String: Any]] ?? [] }

    /// The doctor's line for `name` (`✓  name  detail`).
    func doctorLine(_ result: ProductProcess.Result, _ name: String) -> String {
        result.stdout.split(separator: "\n").first { $0.split(separator: " ").dropFirst().first == Substring(name) }
            .map(String.init) ?? ""
    }

    /// Where the cluster runs Kueue (`sim --kueue`): install makes its queues, submit labels for
    /// it, Kueue admits, and Flightdeck shows Kueue's reasons and will not start a job itself.
    @Test func whereTheClusterRunsKueueKueueAdmits() async throws {
        let sim = try flightdeck.start(["sim", "--data-dir", dir.file("k"), "--agent-runtime", "sim", "--kueue"],
            environment: env)
        defer { sim.kill(SIGKILL) }
        let kubeconfig = dir.file("k/kubeconfig.yaml")
        try await eventually { FileManager.default.fileExists(atPath: kubeconfig) }
        let config = dir.file("kueue.yaml")
        try "queues:\n  - name: homelab\n    limit: 1\n".write(toFile: config, atomically: true, encoding: .utf8)
        let withCluster = env.merging(["KUBECONFIG": kubeconfig]) { $1 }
        func run(_ arguments: [String]) async throws -> ProductProcess.Result {
            try await flightdeck.run(arguments + ["--config", config], environment: withCluster)
        }
        let installed = try await run(["install", "--apply", "--insecure-nats"])
        #expect(installed.status == 0, "\(installed.stderr)")
        for priority in ["low", "high"] {
            let submitted = try await run(["submit", "--image", "sim-agent", "--prompt", "Fix it", "--env", "SIM_AGENT_STEPS=400",
                "--priority", priority, "--uuid", Self.uuids[priority]!])
            #expect(submitted.stdout.contains("queued in queue homelab"), "\(submitted.stderr)")
        }
        var report: [String: Any] = [:]
        try await eventually {
            report = json(try await run(["queue", "-o", "json"]).stdout)
            return waiting(report).count == 1 && (waiting(report).first?["reason"] as? String)?.hasPrefix("Kueue: ") == true
        }
        #expect(report["admission"] as? String == "kueue")
        #expect((report["queues"] as? [[String: Any]])?.first?["running"] as? Int == 1)
        let table = try await run(["queue"])
        #expect(table.stdout.hasPrefix("admitted by Kueue"), "\(table.stdout)")
        let doctor = doctorLine(try await run(["doctor"]), "admission")
        #expect(doctor.contains("Kueue admits queued tasks; 1 waiting"), "\(doctor)")
        let waitingJob = waiting(report).first?["job"] as? String ?? ""
        let refused = try await run(["queue", "start", waitingJob])
        #expect(refused.status == 1)
        #expect(refused.stderr == "flightdeck: \(waitingJob): Kueue admits this Job, not Flightdeck: raise its priority instead\n")
    }

    /// The demo with a queue: its agents wait their turn, and its keeper admits them one by one.
    @Test func theDemoQueuesItsAgentsWithALimit() async throws {
        let result = try await flightdeck.run(["demo", "--plain", "--agents", "3", "--queue-limit", "1", "--speed", "20",
            "--duration", "12", "--agent-runtime", "sim", "--no-nats", "--data-dir", dir.file("demo")], environment: env)
        #expect(result.status == 0, "\(result.stderr)")
        let out = result.stdout
        #expect(out.contains("queued: queue demo: 1/1 running"), "\(out.suffix(3000))")
        #expect(out.components(separatedBy: " admitted from queue demo").count - 1 >= 2, "\(out.suffix(3000))")
        let refused = try await flightdeck.run(["demo", "--plain", "--queue-limit", "0"], environment: env)
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("--queue-limit must be between 1 and 24, not 0"))
    }

    @Test func tasksWaitInLineAndAreChangedStartedAndAdmitted() async throws {
        let sim = try flightdeck.start(["sim", "--data-dir", dir.file("s"), "--agent-runtime", "sim"], environment: env)
        defer { sim.kill(SIGKILL) }
        let kubeconfig = dir.file("s/kubeconfig.yaml")
        try await eventually { FileManager.default.fileExists(atPath: kubeconfig) }
        let config = dir.file("flightdeck.yaml")
        try """
            queues:
              - name: homelab
                limit: 1
                default: true
              - name: batch
                limit: 1
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let withCluster = env.merging(["KUBECONFIG": kubeconfig]) { $1 }
        func run(_ arguments: [String]) async throws -> ProductProcess.Result {
            try await flightdeck.run(arguments + ["--config", config], environment: withCluster)
        }

        for priority in ["low", "normal", "high"] {
            let submitted = try await run(["submit", "--image", "sim-agent", "--prompt", "Fix it", "--env", "SIM_AGENT_STEPS=400",
                "--priority", priority, "--uuid", Self.uuids[priority]!])
            #expect(submitted.status == 0, "\(submitted.stderr)")
            #expect(submitted.stdout == "job.batch/\(Self.job(priority)) queued in queue homelab (task \(Self.uuids[priority]!))\n")
        }

        // Nothing admits yet: the head says so, the others wait behind it; high first.
        let table = try await run(["queue"])
        #expect(table.status == 0, "\(table.stderr)")
        #expect(table.stdout.hasPrefix("nothing admits: no keeper holds the lease flightdeck-admission (run `flightdeck record`)"))
        #expect(table.stdout.contains("homelab (default)  0/1"), "\(table.stdout)")
        var report = json(try await run(["queue", "-o", "json"]).stdout)
        #expect(report["admission"] as? String == "flightdeck")
        #expect(waiting(report).map { $0["job"] as? String } == ["high", "normal", "low"].map(Self.job))
        #expect(waiting(report).first?["reason"] as? String
            == "next in queue homelab, but nothing admits it: no keeper holds the admission lease (run `flightdeck record`)")
        #expect(waiting(report).last?["reason"] as? String == "queue homelab: 0/1 running, 1 starting")

        // Raised to high, the low task (submitted first) goes ahead of the other high one.
        let raised = try await run(["queue", "priority", Self.job("low"), "high"])
        #expect(raised.stdout == "job.batch/\(Self.job("low")) priority high\n", "\(raised.stderr)")
        try await eventually {
            waiting(json(try await run(["queue", "-o", "json"]).stdout)).first?["job"] as? String == Self.job("low")
        }

        // Moved to batch, and the high one started ahead of its queue.
        let moved = try await run(["queue", "move", Self.job("normal"), "batch"])
        #expect(moved.stdout == "job.batch/\(Self.job("normal")) moved to queue batch\n", "\(moved.stderr)")
        let started = try await run(["queue", "start", Self.job("high")])
        #expect(started.stdout == "job.batch/\(Self.job("high")) started ahead of its queue\n", "\(started.stderr)")
        report = json(try await run(["queue", "-o", "json"]).stdout)
        let queues = report["queues"] as? [[String: Any]] ?? []
        #expect(queues.first { $0["name"] as? String == "homelab" }?["running"] as? Int == 1)
        #expect(waiting(report).map { $0["job"] as? String } == [Self.job("low"), Self.job("normal")])
        #expect(waiting(report).first?["reason"] as? String == "queue homelab: 1/1 running")

        // Mistakes are one line and change nothing.
        let unknownQueue = try await run(["queue", "move", Self.job("low"), "gpu"])
        #expect(unknownQueue.status == 1)
        #expect(unknownQueue.stderr == "flightdeck: queue \"gpu\" is not configured (queues: homelab, batch)\n")
        let notWaiting = try await run(["queue", "start", Self.job("high")])
        #expect(notWaiting.status == 1)
        #expect(notWaiting.stderr.hasPrefix("flightdeck: \(Self.job("high")) is not waiting in a queue (it is "))
        let badPriority = try await run(["queue", "priority", Self.job("low"), "urgent"])
        #expect(badPriority.stderr == "flightdeck: priority urgent: expected high|normal|low\n")
        let noJob = try await run(["queue", "start", "agent-nope"])
        #expect(noJob.stderr == "flightdeck: no Job agent-nope in agents\n")

        let unadmitted = doctorLine(try await run(["doctor"]), "admission")
        #expect(unadmitted.contains("no keeper holds the lease flightdeck-admission: queued tasks wait until `flightdeck record` runs; 2 waiting"),
            "\(unadmitted)")

        // A keeper admits what has room: batch's job; homelab stays full.
        let keeper = try flightdeck.start(["record", "--config", config, "--history-db", dir.file("keeper.db")],
            environment: withCluster)
        try await eventually {
            let now = json(try await run(["queue", "-o", "json"]).stdout)
            return waiting(now).map { $0["job"] as? String } == [Self.job("low")] && now["admitter"] != nil
        }
        keeper.kill(SIGTERM)
        let said = await keeper.finish()
        #expect(said.status == 0, "\(said.stderr)")
        #expect(said.stderr.contains("\(Self.job("normal")) admitted from queue batch"), "\(said.stderr)")

        // The job list shows the one still waiting with its place.
        let jobs = try await run(["jobs"])
        #expect(jobs.stdout.contains("queued"), "\(jobs.stdout)")
    }
}
