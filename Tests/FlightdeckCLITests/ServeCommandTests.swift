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

    static let otlpAgent = TracePipelineTests.root.appendingPathComponent("docs/examples/otlp_langgraph_agent.py").path
    static let hasOpenTelemetry = hasModules(["opentelemetry.exporter.otlp.proto.http", "langgraph"])
    static let hasSchemathesis = FileManager.default.isExecutableFile(
        atPath: TracePipelineTests.root.appendingPathComponent(".build/tools/venv/bin/schemathesis").path)

    static func hasModules(_ modules: [String]) -> Bool {
        guard FileManager.default.isExecutableFile(atPath: toolsPython) else { return false }
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: toolsPython)
        probe.arguments = ["-c", modules.map { "import \($0)" }.joined(separator: "; ")]
        probe.standardError = FileHandle.nullDevice
        guard (try? probe.run()) != nil else { return false }
        probe.waitUntilExit()
        return probe.terminationStatus == 0
    }

    /// `flightdeck serve --otlp` on its own (no cluster), with a token: returns it running, its
    /// base URL and the token.
    func serveOTLP(_ extra: [String] = []) async throws -> (ProductProcess.Running, String, String) {
        let port = try NATSServerProcess.freePort()
        let tokenFile = dir.file("token")
        FileManager.default.createFile(atPath: tokenFile, contents: Data("otlp-test-token-0123456789\n".utf8),
            attributes: [.posixPermissions: 0o600])
        let server = try flightdeck.start(["serve", "--otlp", "--listen", "127.0.0.1:\(port)", "--token-file", tokenFile]
            + extra, environment: env)
        let base = "http://127.0.0.1:\(port)"
        try await eventually {
            (try await get(base + "/api/jobs", ["-H", "Authorization: Bearer otlp-test-token-0123456789"])).status == 200
        }
        return (server, base, tokenFile)
    }

    /// The real OpenTelemetry Python SDK, its OTLP/HTTP exporter (protobuf, gzip) and a small
    /// LangGraph run: its GenAI spans become the job's trace, with phases and token counts, in
    /// `flightdeck logs`, the API and `flightdeck jobs`; an OTLP/JSON export does too.
    @Test(.enabled(if: hasOpenTelemetry, "opentelemetry-sdk, its OTLP/HTTP exporter or langgraph are not in .build/tools/venv (script/test installs them)"))
    func anOpenTelemetryInstrumentedLangGraphRunBecomesAJobsTrace() async throws {
        let (server, base, tokenFile) = try await serveOTLP()
        defer { server.kill() }
        let token = ["-H", "Authorization: Bearer otlp-test-token-0123456789"]
        let export = try await ProductProcess(executable: URL(fileURLWithPath: Self.toolsPython)).run([
            Self.otlpAgent, "--job", "otelrun00001", "--endpoint", base + "/v1/traces", "--gzip", "--token-file", tokenFile,
        ])
        #expect(export.status == 0, "\(export.stderr)")
        let logs = try await flightdeck.run(["logs", "otelrun00001"], environment: env)
        #expect(logs.status == 0, "\(logs.stderr)")
        let lines = logs.stdout.split(separator: "\n")
        #expect(lines.contains { $0.contains("STRATEGIC  thought     invoke_agent coder") }, "\(logs.stdout)")
        #expect(lines.contains { $0.contains(#"TACTICAL   action      execute {"command":"pytest -q"}"#) }, "\(logs.stdout)")
        #expect(lines.contains { $0.contains("TACTICAL   error       execute_tool execute failed") }, "\(logs.stdout)")
        #expect(!logs.stdout.contains("\u{1B}"), "the agent's escape sequences are neutralised")

        let job = try #require(try JSONSerialization.jsonObject(with: Data(try await get(base + "/api/jobs/otelrun00001", token).body.utf8))
            as? [String: Any])
        let tokens = job["tokens"] as? [String: Any] ?? [:]
        #expect((tokens["input"] as? Int ?? 0) > 0 && (tokens["output"] as? Int ?? 0) > 0, "\(job)")
        #expect(job["status"] as? String == "succeeded", "its root agent span ended the run")
        #expect(job["phase"] as? String == "STRATEGIC")
        let listed = try await flightdeck.run(["jobs", "--offline", "-o", "json"], environment: env)
        #expect(listed.stdout.contains("\"otelrun00001\""), "\(listed.stdout)\(listed.stderr)")

        // The same run's stream: history, then `done`.
        let streamed = try await get(base + "/api/stream/otelrun00001", token)
        #expect(streamed.body.hasSuffix("\n\n") && streamed.body.contains("event: done"), "\(streamed.body.suffix(400))")

        // OTLP/JSON with hex ids, gzipped, as JavaScript exporters send it; again: stored once.
        let json = #"""
            {"resourceSpans":[{"resource":{"attributes":[{"key":"flightdeck.job_id","value":{"stringValue":"oteljson0001"}}]},
             "scopeSpans":[{"spans":[{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b177",
              "name":"chat gpt-4o","startTimeUnixNano":"1764400000000000000","endTimeUnixNano":"1764400001000000000",
              "attributes":[{"key":"gen_ai.operation.name","value":{"stringValue":"chat"}},
               {"key":"gen_ai.request.model","value":{"stringValue":"gpt-4o"}},
               {"key":"gen_ai.usage.input_tokens","value":{"intValue":"1200"}},
               {"key":"gen_ai.usage.output_tokens","value":{"intValue":80}}]}]}]}]}
            """#
        let plain = dir.file("export.json")
        try json.write(toFile: plain, atomically: true, encoding: .utf8)
        let zipped = try await ProductProcess(executable: URL(fileURLWithPath: "/bin/gzip")).run(["-k", "-f", plain])
        #expect(zipped.status == 0)
        for _ in 0..<2 {
            let posted = try await get(base + "/v1/traces", token + ["-H", "Content-Type: application/json",
                "-H", "Content-Encoding: gzip", "--data-binary", "@" + plain + ".gz"])
            #expect(posted.status == 200 && posted.body == "{}", "\(posted.body)")
        }
        let page = try #require(try JSONSerialization.jsonObject(with: Data(try await get(base + "/api/jobs/oteljson0001/trace", token).body.utf8))
            as? [String: Any])
        let records = page["records"] as? [[String: Any]] ?? []
        #expect(records.count == 1, "\(page)")
        #expect((records.first?["usage"] as? [String: Any])?["inputTokens"] as? Int == 1200)
        let refused = try await get(base + "/v1/traces", ["-H", "Content-Type: application/json", "--data-binary", "@" + plain])
        #expect(refused.status == 401, "no token, no ingest")
    }

    /// The cockpit, on a cluster whose namespace the spans named, lists an OTLP-only run with
    /// its tokens and shows its trace with both phases.
    @Test(.enabled(if: hasOpenTelemetry && TmuxSession.executable != nil,
        "needs tmux and opentelemetry-sdk, its OTLP/HTTP exporter and langgraph in .build/tools/venv"))
    func anOpenTelemetryRunShowsInTheCockpit() async throws {
        let (server, base, tokenFile) = try await serveOTLP()
        defer { server.kill() }
        let export = try await ProductProcess(executable: URL(fileURLWithPath: Self.toolsPython)).run([
            Self.otlpAgent, "--job", "otelrun00001", "--endpoint", base + "/v1/traces", "--token-file", tokenFile,
        ])
        #expect(export.status == 0, "\(export.stderr)")
        let sim = try flightdeck.start(["sim", "--data-dir", dir.file("sim"), "--agent-runtime", "sim"], environment: env)
        defer { sim.kill() }
        let kubeconfig = dir.file("sim/kubeconfig.yaml")
        try await eventually { FileManager.default.fileExists(atPath: kubeconfig) }
        let tmux = try TmuxSession(width: 200, height: 45, command: "env HOME=\(dir.path) FLIGHTDECK_HISTORY_DB=\(dir.file("history.db")) "
            + "XDG_CONFIG_HOME=\(dir.file("xdg")) KUBECONFIG=\(kubeconfig) \(flightdeck.executable.path); echo \"RESTORED $?\"; sleep 600")
        defer { tmux.kill() }
        _ = try await tmux.waitFor("the OTLP run listed with its tokens, its trace shown with both phases", timeout: .seconds(90)) { screen in
            screen.contains { $0.contains("otelrun00001") && $0.contains("511") }
                && screen.contains { $0.contains("invoke_agent coder") }
                && screen.contains { $0.contains(" T act ") }
        }
        try await tmux.sendKeys("q")
        let after = try await tmux.waitFor(text: "RESTORED")
        #expect(after.contains { $0.hasPrefix("RESTORED 0") }, "\(after)")
    }

    /// Schemathesis, from the OpenAPI document the server serves, finds no server error and no
    /// answer that breaks the document.
    @Test(.enabled(if: hasSchemathesis, "schemathesis is not in .build/tools/venv (script/test installs it from PyPI)"))
    func schemathesisFindsNoServerErrorAgainstTheOpenAPIDocument() async throws {
        let (server, base, _) = try await serveOTLP()
        defer { server.kill() }
        let token = "Authorization: Bearer otlp-test-token-0123456789"
        // Some history to find: a finished run (its stream ends at once).
        let body = #"""
            {"resourceSpans":[{"resource":{"attributes":[{"key":"flightdeck.job_id","value":{"stringValue":"finished0001"}}]},
             "scopeSpans":[{"spans":[{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b180",
              "name":"invoke_agent coder","startTimeUnixNano":"1764400000000000000","endTimeUnixNano":"1764400001000000000",
              "attributes":[{"key":"gen_ai.operation.name","value":{"stringValue":"invoke_agent"}}]}]}]}]}
            """#
        let posted = try await get(base + "/v1/traces", ["-H", token, "-H", "Content-Type: application/json", "--data-binary", body])
        #expect(posted.status == 200)
        let run = try await ProductProcess(executable: URL(fileURLWithPath: Self.toolsPython)).run([
            "-m", "schemathesis.cli", "run", base + "/api/openapi.json", "--header", token, "--checks", "all",
            "--max-examples", "25", "--request-timeout", "10", "--seed", "1",
        ], environment: ["SCHEMATHESIS_HOOKS": "", "NO_COLOR": "1"])
        #expect(run.status == 0, "\(run.stdout.suffix(4000))\(run.stderr.suffix(1000))")
        #expect(run.stdout.contains("passed"), "\(run.stdout.suffix(2000))")
    }

    /// Mistakes are one line and a non-zero exit, before anything is served.
    @Test func badListenersAreOneLine() async throws {
        let port = try NATSServerProcess.freePort()
        // --otlp opens the history for writing, so it is made when there is none yet.
        let first = try flightdeck.start(["serve", "--otlp", "--listen", "127.0.0.1:\(port)"], environment: env)
        defer { first.kill() }
        try await eventually { (try await get("http://127.0.0.1:\(port)/api/openapi.json")).status == 200 }
        for (arguments, message) in [
            (["--listen", "127.0.0.1:\(port)"], "flightdeck: cannot listen on 127.0.0.1:\(port): address already in use\n"),
            (["--listen", "bogus"], "flightdeck: --listen bogus: expected HOST:PORT, [IPv6]:PORT or :PORT\n"),
            (["--listen", "0.0.0.0:0"], "flightdeck: --listen 0.0.0.0:0 is not a loopback address: serving beyond this machine needs TLS (--tls-cert and --tls-key) and a bearer token\n"),
            (["--tls-cert", dir.file("none.crt"), "--tls-key", dir.file("none.key")], "flightdeck: --tls-cert \(dir.file("none.crt")): cannot read it (no such file, or permission denied)\n"),
        ] {
            let result = try await flightdeck.run(["serve"] + arguments, environment: env)
            #expect(result.status == 1 && result.stderr == message, "\(arguments): \(result.stderr)")
        }
    }
}
