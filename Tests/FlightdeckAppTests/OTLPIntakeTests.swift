import FlightdeckApp
import FlightdeckCore
import FlightdeckTestSupport
import Foundation
import HistoryStore
import Synchronization
import Testing

/// OTLP trace exports stored in a real history file: idempotent, refusing what it must with
/// the answer OTLP expects, never clobbering a job the cluster described — and the bytes the
/// real OpenTelemetry Python exporter sends for a LangGraph run.
@Suite struct OTLPIntakeTests {
    let directory = TemporaryDirectory("flightdeck-otlp-intake")

    func store() throws -> HistoryStore { try HistoryStore(path: directory.file("history.db")) }

    static let job = "3f2a9c1b7d4e"

    /// An OTLP/JSON request: one resource (`resource` attributes) holding `spans`.
    static func request(resource: [String: String] = ["flightdeck.job_id": job, "k8s.namespace.name": "agents"],
        spans: [String]) -> [UInt8]
    {
        Array(#"{"resourceSpans":[\#(resourceSpans(resource, spans))]}"#.utf8)
    }

    static func resourceSpans(_ resource: [String: String], _ spans: [String]) -> String {
        let attributes = resource.sorted { $0.key < $1.key }
            .map { #"{"key":"\#($0.key)","value":{"stringValue":"\#($0.value)"}}"# }.joined(separator: ",")
        return #"{"resource":{"attributes":[\#(attributes)]},"scopeSpans":[{"spans":[\#(spans.joined(separator: ","))]}]}"#
    }

    static let agentSpan = #"""
        {"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","name":"invoke_agent coder",
         "startTimeUnixNano":"1764400000000000000","endTimeUnixNano":"1764400009000000000",
         "attributes":[{"key":"gen_ai.operation.name","value":{"stringValue":"invoke_agent"}}]}
        """#
    static let toolSpan = #"""
        {"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b175","parentSpanId":"eee19b7ec3c1b174",
         "name":"execute_tool execute","startTimeUnixNano":"1764400001000000000","endTimeUnixNano":"1764400002500000000",
         "attributes":[{"key":"gen_ai.operation.name","value":{"stringValue":"execute_tool"}},
           {"key":"gen_ai.tool.name","value":{"stringValue":"execute"}},
           {"key":"gen_ai.tool.call.arguments","value":{"stringValue":"{\"command\":\"pytest -q\"}"}},
           {"key":"gen_ai.tool.call.result","value":{"stringValue":"2 failed"}}]}
        """#

    @Test func theSameExportTwiceStoresItOnce() async throws {
        let store = try store()
        let intake = OTLPIntake(store: store)
        let body = Self.request(spans: [Self.agentSpan, Self.toolSpan])
        let first = await intake.receive(body: body, contentType: "application/json")
        #expect(first.status == 200 && first.contentType == "application/json")
        #expect(String(decoding: first.body, as: UTF8.self) == "{}")
        #expect(first.acceptedSpans == 2 && first.rejectedSpans == 0 && first.message == nil)
        let again = await intake.receive(body: body, contentType: "application/json")
        #expect(again.status == 200)

        let records = try store.trace(jobID: Self.job, after: 0, limit: 100)
        #expect(records.map(\.sourceID) == ["otlp:eee19b7ec3c1b174", "otlp:eee19b7ec3c1b175/call", "otlp:eee19b7ec3c1b175/result"])
        #expect(records.map(\.seq) == [1, 2, 3])
        #expect(records.map(\.kind) == [.thought, .action, .observation])
        #expect(records[2].durationMs == 1500)
        // `flightdeck logs` prints them as it prints an agent's own records.
        #expect(records.map(TraceText.line) == [
            "07:06:40.000 STRATEGIC  thought     invoke_agent coder",
            #"07:06:41.000 TACTICAL   action      execute {"command":"pytest -q"}  pytest -q"#,
            "07:06:42.500 TACTICAL   observation [1.5s] 2 failed",
        ])
        #expect(try store.phaseSpans(jobID: Self.job).map(\.phase) == [.strategic, .tactical])

        // Its root agent span ended, so the run did: a job only telemetry knows is finished.
        let job = try #require(try store.job(id: Self.job))
        #expect(job.name == Self.job && job.namespace == "agents" && job.status == .succeeded)
        #expect(job.createdAt == Date(timeIntervalSince1970: 1_764_400_000))
        #expect(job.finishedAt == Date(timeIntervalSince1970: 1_764_400_009))
    }

    /// Until its root agent span ends a run is running; a failed root span fails it; a Job the
    /// cluster knows is never finished by telemetry (the cluster says when it ends).
    @Test func aRunEndsWithItsRootAgentSpan() async throws {
        let store = try store()
        let intake = OTLPIntake(store: store)
        _ = await intake.receive(body: Self.request(spans: [Self.toolSpan]), contentType: "application/json")
        #expect(try store.job(id: Self.job)?.status == .running)
        let failedRoot = Self.agentSpan.replacingOccurrences(of: #""name":"invoke_agent coder","#,
            with: #""name":"invoke_agent coder","status":{"code":2,"message":"boom"},"#)
        _ = await intake.receive(body: Self.request(spans: [failedRoot]), contentType: "application/json")
        #expect(try store.job(id: Self.job)?.status == .failed)

        let running = AgentJob(id: "cluster1", uid: "u-2", name: "agent-cluster1", namespace: "agents", status: .running)
        try store.write([.job(running)])
        _ = await intake.receive(body: Self.request(resource: ["flightdeck.job_id": "cluster1"], spans: [Self.agentSpan]),
            contentType: "application/json")
        let stillRunning = try #require(try store.job(id: "cluster1"))
        #expect(stillRunning.status == .running && stillRunning.finishedAt == nil)
        #expect(try store.traceCount(jobID: "cluster1") == 1)
    }

    @Test func aJobTheClusterDescribedIsNotChanged() async throws {
        let store = try store()
        let known = AgentJob(id: Self.job, uid: "u-1", name: "agent-\(Self.job)", namespace: "lab",
            createdAt: Date(timeIntervalSince1970: 1_764_399_000), status: .succeeded, node: "k3s-node-1")
        try store.write([.job(known)])
        let response = await OTLPIntake(store: store).receive(body: Self.request(spans: [Self.agentSpan]),
            contentType: "application/json")
        #expect(response.status == 200)
        let job = try #require(try store.job(id: Self.job))
        #expect(job.name == known.name && job.namespace == "lab" && job.status == .succeeded && job.uid == "u-1")
        #expect(try store.traceCount(jobID: Self.job) == 1)
    }

    @Test func spansWithoutAJobAreAPartialSuccess() async throws {
        let store = try store()
        let intake = OTLPIntake(store: store)
        // Two resources: one names no job.
        let anonymous = Self.resourceSpans(["service.name": "agent"], [Self.toolSpan])
        let named = Self.resourceSpans(["flightdeck.job_id": Self.job], [Self.agentSpan])
        let body = Array(#"{"resourceSpans":[\#(anonymous),\#(named)]}"#.utf8)

        let json = await intake.receive(body: body, contentType: "application/json")
        #expect(json.status == 200 && json.acceptedSpans == 1 && json.rejectedSpans == 1)
        let answer = try JSONParser().parse(json.body)
        #expect(answer[path: ["partialSuccess", "rejectedSpans"]] == "1")
        #expect(answer[path: ["partialSuccess", "errorMessage"]]?.stringValue?.contains("flightdeck.job_id") == true)
        #expect(try store.traceCount(jobID: Self.job) == 1)
        #expect(try store.jobs().map(\.id) == [Self.job])
    }

    @Test func malformedBodiesAre400AndUnknownTypes415() async throws {
        let store = try store()
        let intake = OTLPIntake(store: store)
        let broken = await intake.receive(body: Array(#"{"resourceSpans":[{"scopeSpans":"#.utf8), contentType: "application/json")
        #expect(broken.status == 400 && broken.contentType == "application/json")
        let status = try JSONParser().parse(broken.body)
        #expect(status["code"] == 3)
        #expect(status["message"]?.stringValue?.hasPrefix("malformed OTLP trace request: JSON error at byte") == true)

        let protobuf = await intake.receive(body: [0x0A, 0x7F, 0x00], contentType: "application/x-protobuf")
        #expect(protobuf.status == 400 && protobuf.contentType == "application/x-protobuf")

        let text = await intake.receive(body: Array("hello".utf8), contentType: "text/plain")
        #expect(text.status == 415 && text.contentType == "application/json")
        #expect(try JSONParser().parse(text.body)["message"]?.stringValue?.contains("application/x-protobuf") == true)
        let none = await intake.receive(body: [], contentType: nil)
        #expect(none.status == 415)
        #expect(try store.jobs().isEmpty)
    }

    @Test func aHistoryThatCannotStoreIs503() async throws {
        let path = directory.file("history.db")
        _ = try HistoryStore(path: path)
        let readOnly = try HistoryStore(path: path, options: .init(readOnly: true))
        let response = await OTLPIntake(store: readOnly).receive(body: Self.request(spans: [Self.agentSpan]),
            contentType: "application/json")
        #expect(response.status == 503, "\(response.message ?? "")")
    }

    /// Exports arriving while another process holds history's write lock wait without holding
    /// a thread others need: tasks sharing theirs stay on time, and every export is stored once
    /// the lock is gone. (Waiting on Dispatch's global queue, as `offThePool` does, made the
    /// probe 3 s late: on Linux `Task.sleep`'s timers fire on those few threads.)
    @Test(.timeLimit(.minutes(1))) func exportsWaitingForALockedHistoryHoldNoThread() async throws {
        let path = directory.file("history.db")
        let store = try HistoryStore(path: path, options: .init(busyTimeout: 60))
        let lock = try SQLiteWriteLock(path: path, seconds: 3)
        let intake = OTLPIntake(store: store)
        // A malformed request does not wait for the lock: it never reaches history.
        let asked = ContinuousClock.now
        #expect(await intake.receive(body: Array("{".utf8), contentType: "application/json").status == 400)
        #expect(ContinuousClock.now - asked < .seconds(1))
        let statuses = Mutex<[Int]>([])
        let worst = try await CooperativePoolProbe.worstLateness(window: .seconds(2)) {
            await withTaskGroup(of: Int.self) { group in
                for n in 0..<8 {
                    group.addTask {
                        let span = Self.agentSpan.replacingOccurrences(of: "eee19b7ec3c1b174", with: "00000000000000a\(n)")
                        return await intake.receive(body: Self.request(spans: [span]), contentType: "application/json").status
                    }
                }
                for await status in group { statuses.withLock { $0.append(status) } }
            }
        }
        lock.release()
        #expect(worst < .milliseconds(1_500), "a task sharing the intake's thread ran \(worst) late")
        #expect(statuses.withLock { $0 } == Array(repeating: 200, count: 8))
        #expect(try store.traceCount(jobID: Self.job) == 8)
    }

    // MARK: - A real exporter

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let python = root.appendingPathComponent(".build/tools/venv/bin/python").path
    static let agent = root.appendingPathComponent("docs/examples/otlp_langgraph_agent.py").path
    static var hasOpenTelemetry: Bool {
        guard FileManager.default.isExecutableFile(atPath: python) else { return false }
        let check = Process()
        check.executableURL = URL(fileURLWithPath: python)
        check.arguments = ["-c", "import opentelemetry.sdk, opentelemetry.exporter.otlp.proto.http, langgraph"]
        check.standardError = FileHandle.nullDevice
        guard (try? check.run()) != nil else { return false }
        check.waitUntilExit()
        return check.terminationStatus == 0
    }

    @Test(.enabled(if: OTLPIntakeTests.hasOpenTelemetry,
        "opentelemetry-sdk, its OTLP/HTTP exporter or langgraph are not in .build/tools/venv (script/test installs them from PyPI)"),
        .timeLimit(.minutes(2)))
    func whatThePythonSDKExportsForALangGraphRunIsStoredAsATrace() async throws {
        let capture = directory.file("capture")
        let run = Process()
        run.executableURL = URL(fileURLWithPath: Self.python)
        run.arguments = [Self.agent, "--job", Self.job, "--capture", capture]
        let errors = Pipe()
        run.standardError = errors
        try run.run()
        let stderr = errors.fileHandleForReading.readDataToEndOfFile()
        run.waitUntilExit()
        #expect(run.terminationStatus == 0, "\(String(decoding: stderr, as: UTF8.self))")

        let store = try store()
        let intake = OTLPIntake(store: store)
        let files = try FileManager.default.contentsOfDirectory(atPath: capture).filter { $0.hasSuffix(".bin") }.sorted()
        #expect(!files.isEmpty)
        for file in files {
            let body = try [UInt8](Data(contentsOf: URL(fileURLWithPath: capture + "/" + file)))
            let type = try String(contentsOfFile: capture + "/" + file.replacingOccurrences(of: ".bin", with: ".type"), encoding: .utf8)
            let response = await intake.receive(body: body, contentType: type)
            #expect(response.status == 200 && response.rejectedSpans == 0, "\(response.message ?? "")")
            #expect(response.body.isEmpty, "a full success is an empty ExportTraceServiceResponse")
            // Exporters retry: the same body again stores nothing more.
            #expect(await intake.receive(body: body, contentType: type).status == 200)
        }

        let records = try store.trace(jobID: Self.job, after: 0, limit: 100)
        #expect(records.map(\.kind) == [.thought, .thought, .action, .observation, .thought, .action, .observation, .error, .thought])
        #expect(records.map(\.phase) == [.strategic, .strategic, .tactical, .tactical, .strategic, .tactical, .tactical,
            .tactical, .strategic])
        #expect(records[0].text == "invoke_agent coder")
        #expect(records[1].text == "Run the tests first.")
        #expect(records[1].usage == TokenUsage(inputTokens: 120, outputTokens: 15, model: "scripted-1"))
        #expect(records[2].tool == "execute" && records[2].args == #"{"command":"pytest -q"}"# && records[2].text == "pytest -q")
        #expect(records[3].text.contains("3 passed in 0.12s"))
        #expect(!records[3].text.contains("\u{1B}") && !records[3].text.contains("\u{07}"), "\(records[3].text.debugDescription)")
        #expect(!records[3].text.contains("aZ09bY18aZ09bY18"), "the token is redacted")
        #expect(records[7].text == "execute_tool execute failed: FileNotFoundError: notes.txt: no such file")
        #expect(records[8].text == "All tests pass; done.")
        #expect(records.compactMap(\.usage).map(\.total) == [135, 169, 207])
        #expect(records.allSatisfy { $0.sourceID.hasPrefix("otlp:") })
        #expect(try store.job(id: Self.job)?.namespace == "agents")
    }
}
