import FlightdeckTestSupport
import Foundation
import Testing

/// `flightdeck record --serve` and `flightdeck serve` as an operator runs them, against
/// `flightdeck sim`: real clients — curl, a Python SSE client (httpx-sse), a thousand raw
/// streams — follow a live job; the history is the judge of what they should have received.
@Suite(.timeLimit(.minutes(5))) struct ServeCommandTests {
    let flightdeck = ProductProcess("flightdeck")
    let dir = TemporaryDirectory("flightdeck-serve-cli")
    static let curl = ProductProcess(executable: URL(fileURLWithPath: "/usr/bin/curl"))
    static let toolsPython = TracePipelineTests.root.appendingPathComponent(".build/tools/venv/bin/python").path
    static let followJob = TracePipelineTests.root.appendingPathComponent("docs/examples/follow_job.py").path
    static let manyStreams = TracePipelineTests.root.appendingPathComponent("Tests/FlightdeckCLITests/Python/many_streams.py").path
    static let hasSSEClient: Bool = {
        guard FileManager.default.isExecutableFile(atPath: toolsPython) else { return false }
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: toolsPython)
        probe.arguments = ["-c", "import httpx_sse"]
        probe.standardError = FileHandle.nullDevice
        guard (try? probe.run()) != nil else { return false }
        probe.waitUntilExit()
        return probe.terminationStatus == 0
    }()

    var env: [String: String] {
        ["FLIGHTDECK_HISTORY_DB": dir.file("history.db"), "HOME": dir.path, "KUBECONFIG": "",
         "XDG_CONFIG_HOME": dir.file("xdg"), "LANG": "C.UTF-8"]
    }

    /// A simulated cluster, a keeper serving history on `port`, and one submitted task whose
    /// agent takes `steps` steps of `pace` simulated seconds.
    struct Setup {
        let sim: ProductProcess.Running
        let keeper: ProductProcess.Running
        let base: String
        let job: String
        let environment: [String: String]

        func stop() {
            keeper.kill()
            sim.kill()
        }
    }

    func setUp(steps: Int, pace: Double, serveArguments: [String] = []) async throws -> Setup {
        let sim = try flightdeck.start(["sim", "--data-dir", dir.file("sim"), "--agent-runtime", "sim"], environment: env)
        let kubeconfig = dir.file("sim/kubeconfig.yaml")
        try await eventually { FileManager.default.fileExists(atPath: kubeconfig) }
        let environment = env.merging(["KUBECONFIG": kubeconfig]) { $1 }
        let port = try NATSServerProcess.freePort()
        let keeper = try flightdeck.start(["record", "--serve", "--listen", "127.0.0.1:\(port)"] + serveArguments,
            environment: environment)
        let base = "http://127.0.0.1:\(port)"
        try await eventually { (try await get(base + "/api/jobs")).status == 200 }
        let submitted = try await flightdeck.run(["submit", "--image", "sim-agent", "--prompt", "Fix the flaky test",
            "--env", "SIM_AGENT_STEPS=\(steps)", "--env", "SIM_AGENT_PACE=\(pace)",
            "--uuid", "5e5e5e5e-1111-4222-8333-444444444444"], environment: environment)
        #expect(submitted.status == 0, "\(submitted.stderr)")
        return Setup(sim: sim, keeper: keeper, base: base, job: "agent-5e5e5e5e1111", environment: environment)
    }

    func get(_ url: String, _ extra: [String] = []) async throws -> (status: Int, body: String) {
        let result = try await Self.curl.run(["-sS", "--max-time", "30", "-w", "\n%{http_code}"] + extra + [url])
        let text = result.stdout
        guard let split = text.lastIndex(of: "\n") else { return (0, text) }
        return (Int(text[text.index(after: split)...]) ?? 0, String(text[..<split]))
    }

    /// The record seqs history holds for `job`, as `flightdeck logs -o json` prints them.
    func historySeqs(_ job: String) async throws -> [Int] {
        let logs = try await flightdeck.run(["logs", job, "-o", "json"], environment: env)
        return logs.stdout.split(separator: "\n").compactMap {
            ((try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any])?["seq"] as? Int
        }
    }

    /// curl -N and the Python client follow the same live job from its first record to `done`;
    /// the Python one is cut off midway and resumes with Last-Event-ID. Each gets every record
    /// history has, once and in order.
    @Test(.enabled(if: hasSSEClient, "httpx-sse is not in .build/tools/venv (script/test installs it from PyPI)"))
    func curlAndAPythonSSEClientFollowALiveJobAndResumeWithoutGapOrDuplicate() async throws {
        let setup = try await setUp(steps: 8, pace: 1)
        defer { setup.stop() }
        let url = setup.base + "/api/stream/" + setup.job
        try await eventually { (try await get(setup.base + "/api/jobs/" + setup.job)).status == 200 }
        let curlFile = dir.file("curl.sse")
        let curl = try Self.curl.start(["-sS", "-N", "--max-time", "240", "-o", curlFile, url])
        let python = try ProductProcess(executable: URL(fileURLWithPath: Self.toolsPython)).start(
            [Self.followJob, setup.base, setup.job, "--cut-after", "5"])
        let curlEnded = await curl.finish()
        let pythonEnded = await python.finish()
        #expect(curlEnded.status == 0, "\(curlEnded.stderr)")
        #expect(pythonEnded.status == 0, "\(pythonEnded.stderr)")

        let history = try await historySeqs(setup.job)
        #expect(history.count > 10, "the agent wrote a trace")
        #expect(history == Array(1...history.count))
        let streamed = String(decoding: FileManager.default.contents(atPath: curlFile) ?? Data(), as: UTF8.self)
        let curlIDs = streamed.split(separator: "\n").filter { $0.hasPrefix("id: ") }.compactMap { Int($0.dropFirst(4)) }
        #expect(curlIDs == history)
        #expect(streamed.contains("event: done"))
        #expect(streamed.contains("event: status\ndata: {\"job\":\"5e5e5e5e1111\",\"status\":\"succeeded\"}"), "\(streamed.suffix(800))")
        let pythonSeqs = pythonEnded.stdout.split(separator: "\n").compactMap {
            ((try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any])?["seq"] as? Int
        }
        #expect(pythonSeqs == history, "\(pythonEnded.stderr)")
        #expect(pythonEnded.stderr.contains("cut after 5 records; resuming from 5"))
        #expect(pythonEnded.stderr.contains("done: "))
    }

    /// A thousand clients follow one live job at once; each gets the same records, all of them.
    @Test func aThousandConcurrentStreamsAreServed() async throws {
        let setup = try await setUp(steps: 6, pace: 2)
        defer { setup.stop() }
        try await eventually { (try await get(setup.base + "/api/jobs/" + setup.job)).status == 200 }
        let report = dir.file("streams.json")
        let ran = try await ProductProcess(executable: URL(fileURLWithPath: "/usr/bin/python3")).run(
            [Self.manyStreams, setup.base + "/api/stream/" + setup.job, "1000", report])
        #expect(ran.status == 0, "\(ran.stderr)")
        let result = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: report)))
            as? [String: Any])
        #expect(result["connected"] as? Int == 1000, "\(result)")
        #expect(result["done"] as? Int == 1000, "\(result)")
        let history = try await historySeqs(setup.job)
        #expect(!history.isEmpty)
        #expect(result["distinct"] as? [String] == ["[" + history.map(String.init).joined(separator: ", ") + "]"], "\(result)")
    }
}
