import FlightdeckCore
import Foundation
import OTLPIngest
import Testing

/// Spans of the two conventions agents' instrumentations follow, into the records a native
/// agent would send; hostile strings cleaned like trace lines; spans without a job refused.
@Suite struct SpanMappingTests {
    static let job: OTLPAttributes = ["flightdeck.job_id": .string("3f2a9c1b7d4e"), "k8s.namespace.name": .string("agents")]
    static let t0: UInt64 = 1_764_400_000_000_000_000
    static let received = Date(timeIntervalSince1970: 1_800_000_000)

    static func span(
        _ id: String, _ name: String, _ attributes: OTLPAttributes, start: UInt64 = 0, end: UInt64 = 0,
        resource: OTLPAttributes = job, status: OTLPSpan.Status = OTLPSpan.Status(), events: [OTLPSpan.Event] = []
    ) -> OTLPSpan {
        OTLPSpan(resource: resource, traceID: String(repeating: "ab", count: 16), spanID: id, name: name,
            startTimeUnixNano: t0 + start, endTimeUnixNano: end == 0 ? 0 : t0 + end, attributes: attributes,
            events: events, status: status)
    }

    static func date(_ offset: UInt64) -> Date { Date(timeIntervalSince1970: Double((t0 + offset) / 1_000) / 1e6) }

    static func map(_ spans: [OTLPSpan]) -> MappedSpans { SpanMapping().map(spans, receivedAt: received) }

    @Test func genAIAgentModelAndToolSpansBecomeAReActTrace() throws {
        let mapped = Self.map([
            Self.span("00000000000000a1", "invoke_agent coder",
                ["gen_ai.operation.name": .string("invoke_agent"), "gen_ai.agent.name": .string("coder")],
                start: 0, end: 9_000_000_000),
            Self.span("00000000000000a2", "chat gpt-4o", [
                "gen_ai.operation.name": .string("chat"), "gen_ai.request.model": .string("gpt-4o"),
                "gen_ai.response.model": .string("gpt-4o-2024-08-06"),
                "gen_ai.usage.input_tokens": .int(1200), "gen_ai.usage.output_tokens": .string("85"),
                "gen_ai.output.messages": .string(#"[{"role":"assistant","parts":[{"type":"text","content":"Run the tests first."},{"type":"tool_call","name":"execute"}]}]"#),
            ], start: 1_000_000_000, end: 2_000_000_000),
            Self.span("00000000000000a3", "execute_tool execute", [
                "gen_ai.operation.name": .string("execute_tool"), "gen_ai.tool.name": .string("execute"),
                "gen_ai.tool.call.arguments": .string(#"{"command":"pytest -q"}"#),
                "gen_ai.tool.call.result": .string("3 failed, 8 passed"), "process.exit.code": .int(1),
            ], start: 2_000_000_000, end: 10_100_000_000),
        ])
        #expect(mapped.rejectedSpans == 0 && mapped.acceptedSpans == 3)
        #expect(mapped.jobs == [MappedSpans.JobSighting(id: "3f2a9c1b7d4e", namespace: "agents", firstSeen: Self.date(0))])
        let records = mapped.records
        #expect(records.map(\.sourceID) == ["otlp:00000000000000a1", "otlp:00000000000000a2", "otlp:00000000000000a3/call",
            "otlp:00000000000000a3/result"])
        #expect(records.map(\.kind) == [.thought, .thought, .action, .observation])
        #expect(records.map(\.phase) == [.strategic, .strategic, .tactical, .tactical])
        #expect(records.allSatisfy { $0.jobID == "3f2a9c1b7d4e" })
        #expect(records[0].text == "invoke_agent coder")
        #expect(records[1].text == "Run the tests first.")
        #expect(records[1].usage == TokenUsage(inputTokens: 1200, outputTokens: 85, model: "gpt-4o-2024-08-06"))
        #expect(records[1].time == Self.date(1_000_000_000))
        #expect(records[2].tool == "execute" && records[2].args == #"{"command":"pytest -q"}"#)
        #expect(records[2].text == "pytest -q")
        #expect(records[2].time == Self.date(2_000_000_000))
        #expect(records[3].text == "3 failed, 8 passed" && records[3].exitCode == 1 && records[3].durationMs == 8100)
        #expect(records[3].time == Self.date(10_100_000_000), "a result is dated by the span's end")
        #expect(records.allSatisfy { $0.usage == nil || $0.kind == .thought })
        #expect(mapped.phaseChanges.map(\.phase) == [.strategic, .strategic, .tactical])
        #expect(mapped.phaseChanges.map(\.sourceID) == ["phase@otlp:00000000000000a1", "phase@otlp:00000000000000a2",
            "phase@otlp:00000000000000a3"])
    }

    @Test func recordsAreInTimeOrderWhateverOrderSpansArrive() {
        // Exporters send a parent after its children: it ends last.
        let mapped = Self.map([
            Self.span("00000000000000b2", "execute_tool ls", ["gen_ai.operation.name": .string("execute_tool")],
                start: 5_000_000, end: 6_000_000),
            Self.span("00000000000000b1", "invoke_agent a", ["gen_ai.operation.name": .string("invoke_agent")],
                start: 1_000_000, end: 9_000_000),
        ])
        #expect(mapped.records.map(\.sourceID) == ["otlp:00000000000000b1", "otlp:00000000000000b2/call", "otlp:00000000000000b2/result"])
        #expect(mapped.phaseChanges.map(\.phase) == [.strategic, .tactical])
        #expect(mapped.records[1].text == "ls", "a tool without a gen_ai.tool.name is named by its span")
    }

    @Test func failedSpansAddAnErrorRecord() {
        let mapped = Self.map([
            Self.span("00000000000000c1", "execute_tool edit", [
                "gen_ai.operation.name": .string("execute_tool"), "gen_ai.tool.name": .string("edit_file"),
                "gen_ai.tool.call.arguments": .string(#"{"path":"src/app.py","old":"x"}"#), "error.type": .string("FileNotFoundError"),
            ], start: 0, end: 2_000_000, status: OTLPSpan.Status(code: 2, message: "src/app.py: no such file")),
            Self.span("00000000000000c2", "chat", ["gen_ai.operation.name": .string("chat")], start: 3_000_000, end: 4_000_000,
                status: OTLPSpan.Status(code: 2),
                events: [OTLPSpan.Event(name: "exception", attributes: [
                    "exception.type": .string("RateLimitError"), "exception.message": .string("429 Too Many Requests"),
                ])]),
        ])
        let errors = mapped.records.filter { $0.kind == .error }
        #expect(errors.map(\.sourceID) == ["otlp:00000000000000c1/error", "otlp:00000000000000c2/error"])
        #expect(errors[0].text == "execute_tool edit failed: FileNotFoundError: src/app.py: no such file")
        #expect(errors[0].phase == .tactical)
        #expect(errors[1].text == "chat failed: RateLimitError: 429 Too Many Requests")
        #expect(mapped.records.first { $0.sourceID.hasSuffix("c1/call") }?.text == "edit_file src/app.py")
    }

    @Test func openInferenceSpansMapLikeGenAIOnes() {
        let mapped = Self.map([
            Self.span("00000000000000d1", "Agent", ["openinference.span.kind": .string("AGENT")], start: 1_000),
            Self.span("00000000000000d2", "ChatOpenAI", [
                "openinference.span.kind": .string("LLM"), "llm.model_name": .string("gpt-4o-mini"),
                "llm.token_count.prompt": .int(300), "llm.token_count.completion": .int(40),
                "llm.output_messages.0.message.content": .string("I will list the files."),
                "output.value": .string(#"{"generations":[]}"#),
            ], start: 2_000),
            Self.span("00000000000000d3", "list_files", [
                "openinference.span.kind": .string("TOOL"), "tool.name": .string("list_files"),
                "input.value": .string(#"{"path":"."}"#), "output.value": .string("README.md\nsrc"),
            ], start: 3_000, end: 4_000),
            Self.span("00000000000000d4", "tools", ["openinference.span.kind": .string("CHAIN"),
                "output.value": .string(#"{"messages":["done"]}"#)], start: 5_000),
            Self.span("00000000000000d5", "HTTP GET", ["http.method": .string("GET")], start: 6_000),
        ])
        let records = mapped.records
        #expect(records.map(\.kind) == [.thought, .thought, .action, .observation, .message, .message])
        #expect(records.map(\.phase) == [.strategic, .strategic, .tactical, .tactical, nil, nil])
        #expect(records[0].text == "Agent")
        #expect(records[1].text == "I will list the files.")
        #expect(records[1].usage == TokenUsage(inputTokens: 300, outputTokens: 40, model: "gpt-4o-mini"))
        #expect(records[2].tool == "list_files" && records[2].args == #"{"path":"."}"# && records[2].text == "list_files .")
        #expect(records[3].text == "README.md\nsrc")
        #expect(records[4].text == #"tools: {"messages":["done"]}"#)
        #expect(records[5].text == "HTTP GET")
        #expect(mapped.phaseChanges.count == 3)
    }

    @Test func usageIsTakenFromModelCallsOnly() {
        // An agent span may total its children's tokens: counting it too would count them twice.
        let mapped = Self.map([
            Self.span("00000000000000e1", "invoke_agent", ["gen_ai.operation.name": .string("invoke_agent"),
                "gen_ai.usage.input_tokens": .int(5000)]),
            Self.span("00000000000000e2", "chat", ["gen_ai.operation.name": .string("chat"),
                "gen_ai.usage.input_tokens": .int(-1), "gen_ai.usage.output_tokens": .int(3)]),
            Self.span("00000000000000e3", "text_completion", ["gen_ai.operation.name": .string("text_completion"),
                "gen_ai.usage.prompt_tokens": .int(7)]),
        ])
        #expect(mapped.records.map(\.usage) == [nil, nil, TokenUsage(inputTokens: 7, outputTokens: 0)])
    }

    // MARK: - Jobs

    @Test func theJobIsFlightdecksIdElseTheKubernetesJobName() {
        let mapped = Self.map([
            Self.span("00000000000000f1", "a", [:], resource: ["flightdeck.job_id": .string("abc123"), "k8s.job.name": .string("agent-abc123")]),
            Self.span("00000000000000f2", "b", [:], resource: ["k8s.job.name": .string("nightly-eval")]),
            Self.span("00000000000000f3", "c", [:], resource: ["service.name": .string("agent")]),
            Self.span("00000000000000f4", "d", [:], resource: ["flightdeck.job_id": .string("../../etc")]),
            Self.span("00000000000000f5", "e", [:], resource: ["service.name": .string("agent")]),
            Self.span("00000000000000f6", "f", [:]),
        ])
        #expect(mapped.records.map(\.jobID) == ["abc123", "nightly-eval", "3f2a9c1b7d4e"])
        #expect(mapped.jobs.map(\.id) == ["abc123", "nightly-eval", "3f2a9c1b7d4e"])
        #expect(mapped.jobs.map(\.namespace) == ["default", "default", "agents"])
        #expect(mapped.acceptedSpans == 3 && mapped.rejectedSpans == 3)
        #expect(mapped.errorMessage == "spans whose resource has no flightdeck.job_id (or k8s.job.name) attribute; "
            + "spans whose resource's flightdeck.job_id is not a job id (letters, digits, '-', '_', at most 128)")
    }

    @Test func aSpanWithoutValidIDIsRefused() {
        let mapped = Self.map([Self.span("0000000000000000", "zero", [:]), Self.span("abc", "short", [:])])
        #expect(mapped.records.isEmpty && mapped.rejectedSpans == 2)
        #expect(mapped.rejections == ["span without a valid span_id (8 bytes)"])
    }

    @Test func aSpanWithoutTimesIsDatedWhenReceived() {
        let span = OTLPSpan(resource: Self.job, spanID: "0000000000000001", name: "x")
        #expect(Self.map([span]).records.first?.time == Self.received)
    }

    // MARK: - Hostile strings

    @Test func everyStringIsRedactedAndSanitised() throws {
        let token = "ghp_" + String(repeating: "aZ09bY18", count: 5)
        let escape = "\u{1B}]0;pwned\u{07}\u{1B}[2J"
        let mapped = Self.map([
            Self.span("0000000000000101", "execute_tool \(escape)", [
                "gen_ai.operation.name": .string("execute_tool"), "gen_ai.tool.name": .string("sh\(escape)"),
                "gen_ai.tool.call.arguments": .string(#"{"command":"curl -H 'Authorization: token "# + token + #"' x\u001b[31m"}"#),
                "gen_ai.tool.call.result": .keyValues(["out": .string("\(escape) \(token)")]),
            ], start: 0, end: 1, status: OTLPSpan.Status(code: 2, message: "\(escape) \(token)")),
            Self.span("0000000000000102", "chat", [
                "gen_ai.operation.name": .string("chat"), "gen_ai.usage.input_tokens": .int(1),
                "gen_ai.response.model": .string("gpt\(escape)"), "gen_ai.completion": .string("key \(token)"),
            ], resource: ["flightdeck.job_id": .string("3f2a9c1b7d4e"), "k8s.namespace.name": .string("ns\(escape)")]),
        ])
        #expect(mapped.records.count == 4)
        for record in mapped.records {
            for text in [record.text, record.tool ?? "", record.args ?? "", record.usage?.model ?? ""] {
                #expect(!text.contains("aZ09bY18aZ09bY18"), "\(text)")
                #expect(!text.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 }, "\(text.debugDescription)")
            }
        }
        #expect(mapped.jobs.first?.namespace.unicodeScalars.contains { $0.value == 0x1B } == false)
        // Arguments are still JSON after cleaning, and the escape decoded from JSON is gone too.
        let args = try #require(mapped.records.first?.args)
        #expect(throws: Never.self) { try JSONParser().parse(args) }
    }

    @Test func longTextIsBoundedLikeTraceLines() {
        let mapping = SpanMapping(parser: TraceLineParser(maxLineBytes: 1000))
        let huge = String(repeating: "x", count: 50_000)
        let mapped = mapping.map([Self.span("0000000000000201", "chat", ["gen_ai.operation.name": .string("chat"),
            "gen_ai.completion": .string(huge)])], receivedAt: Self.received)
        let record = mapped.records[0]
        #expect(record.truncated)
        #expect(record.text.utf8.count < 1100)
        #expect(record.text.hasSuffix("…[truncated 49.0 kB]"))
    }
}
