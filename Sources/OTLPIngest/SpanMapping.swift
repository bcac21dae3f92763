import FlightdeckCore
import Foundation

/// Turns OTLP spans into the trace records of Flightdeck jobs, the records an agent would have
/// sent over the trace protocol for the same steps, so that the cockpit and `flightdeck logs`
/// show them like native ones. Pure.
///
/// ## Job
/// A span belongs to the job its resource names: `flightdeck.job_id` (the agent's `JOB_ID`,
/// which a Flightdeck-made Job's agent sets with
/// `OTEL_RESOURCE_ATTRIBUTES=flightdeck.job_id=$(JOB_ID)`), else `k8s.job.name` (what
/// Kubernetes resource detectors set: Flightdeck's own id for a Job whose agent has no
/// `JOB_ID`). A job id is letters, digits, `-` and `_`, at most 128. A span whose resource
/// names no job, or one that is not a job id, is refused, and so is a span without an 8-byte
/// span id.
///
/// ## Records
/// By `SpanRole` (GenAI `gen_ai.operation.name`, else OpenInference `openinference.span.kind`):
/// - agent (`invoke_agent`, `create_agent`, `AGENT`) and `plan`: a STRATEGIC `thought`;
/// - model call (`chat`, `text_completion`, `generate_content`, `LLM`): a STRATEGIC `thought`
///   holding the answer's text and its `usage` (only these spans: an agent span's totals
///   would count the same tokens twice);
/// - tool (`execute_tool`, `TOOL`): a TACTICAL `action` (tool, arguments) at the span's start
///   and an `observation` (result, exit code, duration) at its end;
/// - chain (`CHAIN`) and anything else: a `message`, no phase.
/// A span that failed (`error.type`, or status ERROR) adds an `error` record at its end.
///
/// Each record's `sourceID` is `otlp:<span id>`, with `/call`, `/result` or `/error` when a
/// span makes several: the store keeps a (job, source) once, so an export sent twice is
/// stored once. Each STRATEGIC or TACTICAL span also marks a phase change at its start.
///
/// ## Hostile strings
/// Every string taken from a span (names, attribute values, the namespace) is redacted,
/// sanitised and bounded by the same `TraceLineParser` cleaning as trace lines, so nothing
/// reaches the terminal or the history that a trace line could not bring. A job id is not
/// cleaned but checked: one outside its alphabet refuses the span.
public struct SpanMapping: Sendable {
    /// Its cleaning (`clean`, `cleanJSON`: redaction, sanitising, the size bound) is used.
    public let parser: TraceLineParser

    public init(parser: TraceLineParser = TraceLineParser()) {
        self.parser = parser
    }

    /// Longest action text, as the agent runtime writes it (a command, a path).
    static let actionTextLimit = 200
    /// Longest text of a chain's message (graph nodes' outputs are whole states).
    static let chainTextLimit = 4000
    /// Longest model name kept, as the trace parser keeps it.
    static let modelNameLimit = 200

    /// The records, phase changes and jobs of `spans`. `receivedAt` stands in for a time a span
    /// does not give.
    public func map(_ spans: [OTLPSpan], receivedAt: Date) -> MappedSpans {
        var mapped = MappedSpans()
        var jobIndex: [String: Int] = [:]
        var records: [(time: Date, order: Int, record: TraceRecord)] = []
        for span in spans {
            let jobID: String
            switch Self.job(of: span.resource) {
            case .success(let id): jobID = id
            case .failure(let reason):
                reject(reason.description, in: &mapped)
                continue
            }
            guard span.spanID.utf8.count == 16, span.spanID != "0000000000000000" else {
                reject("span without a valid span_id (8 bytes)", in: &mapped)
                continue
            }
            let made = self.records(of: span, jobID: jobID, receivedAt: receivedAt)
            mapped.acceptedSpans += 1
            for record in made.records { records.append((record.time, records.count, record)) }
            if let change = made.phaseChange { mapped.phaseChanges.append(change) }
            if span.parentSpanID.isEmpty, SpanRole(span.attributes) == .agent {
                let end = Self.date(span.endTimeUnixNano) ?? receivedAt
                mapped.runsEnded.append(MappedSpans.RunEnd(jobID: jobID, time: end,
                    failed: span.status.isError || span.attributes.string("error.type") != nil))
            }
            let start = made.records.first?.time ?? receivedAt
            if let index = jobIndex[jobID] {
                mapped.jobs[index].firstSeen = min(mapped.jobs[index].firstSeen, start)
            } else {
                jobIndex[jobID] = mapped.jobs.count
                mapped.jobs.append(MappedSpans.JobSighting(id: jobID, namespace: namespace(of: span.resource), firstSeen: start))
            }
        }
        records.sort { ($0.time, $0.order) < ($1.time, $1.order) }
        mapped.records = records.map(\.record)
        mapped.phaseChanges.sort { $0.time < $1.time }
        return mapped
    }

    private func reject(_ reason: String, in mapped: inout MappedSpans) {
        mapped.rejectedSpans += 1
        if !mapped.rejections.contains(reason) { mapped.rejections.append(reason) }
    }

    // MARK: - Job

    /// The job a resource names (see the type's documentation), or why there is none.
    static func job(of resource: OTLPAttributes) -> Result<String, JobError> {
        let key = resource.string("flightdeck.job_id") != nil ? "flightdeck.job_id" : "k8s.job.name"
        guard let id = resource.string(key) else { return .failure(.missing) }
        guard isJobID(id) else { return .failure(.invalid(key)) }
        return .success(id)
    }

    /// Why a span has no job; its description is the partial success's message.
    enum JobError: Error, CustomStringConvertible {
        case missing
        case invalid(String)

        var description: String {
            switch self {
            case .missing: "spans whose resource has no flightdeck.job_id (or k8s.job.name) attribute"
            case .invalid(let key): "spans whose resource's \(key) is not a job id (letters, digits, '-', '_', at most 128)"
            }
        }
    }

    /// Letters, digits, `-` (not first) and `_`, 1 to 128: what Flightdeck's job ids and
    /// Kubernetes Job names are, and what NATS subjects accept (`TraceDecoder.isPlausibleJobID`).
    static func isJobID(_ id: String) -> Bool {
        guard let first = id.utf8.first, id.utf8.count <= 128, first != UInt8(ascii: "-") else { return false }
        return id.utf8.allSatisfy { byte in
            (0x30...0x39).contains(byte) || (0x61...0x7A).contains(byte) || (0x41...0x5A).contains(byte)
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
        }
    }

    private func namespace(of resource: OTLPAttributes) -> String {
        guard let name = resource.string("k8s.namespace.name") else { return "default" }
        var truncated = false
        let cleaned = capped(parser.clean(name, truncated: &truncated), to: 63)
        return cleaned.isEmpty ? "default" : cleaned
    }

    // MARK: - Records of one span

    private func records(of span: OTLPSpan, jobID: String, receivedAt: Date) -> (
        records: [TraceRecord], phaseChange: MappedSpans.PhaseChange?
    ) {
        let role = SpanRole(span.attributes)
        let start = Self.date(span.startTimeUnixNano) ?? receivedAt
        let end = Self.date(span.endTimeUnixNano).map { max($0, start) } ?? start
        let source = "otlp:" + span.spanID
        var truncated = false
        let name = clean(span.name, &truncated)
        let attributes = span.attributes
        let phase: Phase? = switch role {
        case .agent, .plan, .model: .strategic
        case .tool: .tactical
        case .chain, .other: nil
        }
        var records: [TraceRecord] = []
        func record(_ suffix: String, _ time: Date, _ kind: TraceKind, _ text: String) -> TraceRecord {
            TraceRecord(jobID: jobID, sourceID: source + suffix, time: time, kind: kind, phase: phase, text: text)
        }

        switch role {
        case .agent, .plan:
            var text = name.isEmpty ? (role == .plan ? "plan" : "agent") : name
            if let description = attributes.string("gen_ai.agent.description") {
                text += " — " + clean(description, &truncated)
            }
            records.append(record("", start, .thought, text))
        case .model:
            var thought = record("", start, .thought, answer(of: span, &truncated) ?? name)
            thought.usage = usage(of: attributes, &truncated)
            records.append(thought)
        case .tool:
            // GenAI names the span `execute_tool {gen_ai.tool.name}`: the name without the
            // operation stands in for a missing tool name.
            let spanTool = span.name.hasPrefix("execute_tool ") ? String(span.name.dropFirst(13)) : span.name
            let tool = clean(attributes.string("gen_ai.tool.name", "tool.name") ?? spanTool, &truncated)
            let arguments = attributes["gen_ai.tool.call.arguments"] ?? attributes["input.value"]
            var call = record("/call", start, .action, tool)
            call.tool = tool.isEmpty ? nil : tool
            if let arguments {
                let json = Self.json(arguments)
                call.args = parser.cleanJSON(json, truncated: &truncated)
                call.text = actionText(tool: tool, arguments: json, &truncated)
            }
            var result = record("/result", end, .observation,
                (attributes["gen_ai.tool.call.result"] ?? attributes["output.value"]).map { cleanText($0, &truncated) } ?? "")
            result.tool = call.tool
            result.exitCode = attributes.integer("process.exit.code").flatMap { Int(exactly: $0) }
            if span.startTimeUnixNano > 0, span.endTimeUnixNano >= span.startTimeUnixNano {
                result.durationMs = Int64(((Double(span.endTimeUnixNano - span.startTimeUnixNano)) / 1e6).rounded())
            }
            records += [call, result]
        case .chain:
            var text = name
            if let output = attributes["output.value"] {
                text += ": " + capped(cleanText(output, &truncated), to: Self.chainTextLimit)
            }
            records.append(record("", start, .message, text))
        case .other:
            records.append(record("", start, .message, name))
        }

        if let failure = failure(of: span, name: name, &truncated) {
            records.append(record("/error", end, .error, failure))
        }
        if truncated {
            for index in records.indices { records[index].truncated = true }
        }
        let change = phase.map { MappedSpans.PhaseChange(jobID: jobID, phase: $0, time: start, sourceID: "phase@" + source) }
        return (records, change)
    }

    // MARK: - Fields

    /// A model call's answer, cleaned: the text parts of GenAI `gen_ai.output.messages`, else
    /// the older `gen_ai.completion` attributes, OpenInference's output messages or
    /// `output.value`, else a `gen_ai.choice` event's message.
    private func answer(of span: OTLPSpan, _ truncated: inout Bool) -> String? {
        let attributes = span.attributes
        var text: String?
        if let messages = attributes.string("gen_ai.output.messages") {
            switch try? JSONParser().parse(messages) {
            case .array(let list)?:
                if let answer = textParts(of: list, &truncated) { return answer }
            default:
                // Not the JSON array the conventions describe: shown as sent.
                text = messages
            }
        }
        text = text
            ?? attributes.string("gen_ai.completion", "gen_ai.completion.0.content", "llm.output_messages.0.message.content")
        if text == nil, let output = attributes["output.value"] { return cleanText(output, &truncated) }
        if text == nil, let choice = span.events.first(where: { $0.name == "gen_ai.choice" }) {
            let message = choice.attributes["message"].flatMap { message -> OTLPValue? in
                if case .keyValues(let fields) = message { return fields["content"] }
                return message
            } ?? choice.attributes["body"] ?? choice.attributes["content"]
            return message.map { cleanText($0, &truncated) }
        }
        return text.map { clean($0, &truncated) }
    }

    /// The text parts of a GenAI messages array (`[{"role":..., "parts":[{"type":"text",
    /// "content":...}]}]`), cleaned and joined; for an answer that only calls tools, the calls
    /// (`call execute {"command":"ls"}`); `nil` when it has neither.
    private func textParts(of messages: [JSONValue], _ truncated: inout Bool) -> String? {
        var texts: [String] = []
        var calls: [String] = []
        for message in messages {
            for part in message["parts"]?.arrayValue ?? [] {
                switch part["type"]?.stringValue {
                case "text":
                    if let content = part["content"]?.stringValue, !content.isEmpty { texts.append(content) }
                case "tool_call":
                    let name = clean(part["name"]?.stringValue ?? "tool", &truncated)
                    let arguments = part["arguments"].map { " " + parser.cleanJSON($0, truncated: &truncated) } ?? ""
                    calls.append("call " + name + arguments)
                default:
                    continue
                }
            }
            if let content = message["content"]?.stringValue, !content.isEmpty { texts.append(content) }
        }
        if !texts.isEmpty { return clean(texts.joined(separator: "\n"), &truncated) }
        return calls.isEmpty ? nil : capped(calls.joined(separator: "; "), to: parser.maxLineBytes)
    }

    /// A model call's tokens: GenAI `gen_ai.usage.input_tokens`/`output_tokens` (or the older
    /// `prompt_tokens`/`completion_tokens`), else OpenInference `llm.token_count.prompt`/
    /// `completion`; the model from `gen_ai.response.model`, `gen_ai.request.model` or
    /// `llm.model_name`. `nil` without a non-negative count.
    private func usage(of attributes: OTLPAttributes, _ truncated: inout Bool) -> TokenUsage? {
        let input = attributes.integer("gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens", "llm.token_count.prompt")
        let output = attributes.integer("gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens",
            "llm.token_count.completion")
        let counts = [input, output].compactMap { $0 }
        guard !counts.isEmpty, counts.allSatisfy({ $0 >= 0 }) else { return nil }
        let model = attributes.string("gen_ai.response.model", "gen_ai.request.model", "llm.model_name")
            .map { clean(String($0.prefix(Self.modelNameLimit)), &truncated) }
        return TokenUsage(inputTokens: input ?? 0, outputTokens: output ?? 0, model: model?.isEmpty == false ? model : nil)
    }

    /// One line saying how a span failed, or `nil` when it did not: status ERROR or an
    /// `error.type`, with the status message or the first `exception` event's type and message.
    private func failure(of span: OTLPSpan, name: String, _ truncated: inout Bool) -> String? {
        let errorType = span.attributes.string("error.type")
        guard span.status.isError || errorType != nil else { return nil }
        let exception = span.events.first { $0.name == "exception" }?.attributes
        var parts: [String] = []
        if let type = errorType ?? exception?.string("exception.type") { parts.append(clean(type, &truncated)) }
        let message = span.status.message.isEmpty ? exception?.string("exception.message") : span.status.message
        if let message { parts.append(clean(message, &truncated)) }
        let subject = name.isEmpty ? "span" : name
        return parts.isEmpty ? "\(subject) failed" : "\(subject) failed: " + parts.joined(separator: ": ")
    }

    /// What the agent runtime writes as an action's text: the command itself, `tool path`,
    /// `tool: value` for a single string argument, else `tool {arguments}`; 200 bytes at most.
    private func actionText(tool: String, arguments: JSONValue, _ truncated: inout Bool) -> String {
        var text: String?
        if case .object(let members) = arguments {
            for key in ["command", "cmd", "path", "query"] {
                if let value = arguments[key]?.stringValue, !value.trimmingCharacters(in: .whitespaces).isEmpty {
                    text = key == "command" || key == "cmd" ? value : "\(tool) \(value)"
                    break
                }
            }
            if text == nil, members.count == 1, let value = members[0].value.stringValue {
                text = "\(tool): \(value)"
            }
        }
        let line = text.map { clean($0, &truncated) } ?? "\(tool) \(parser.cleanJSON(arguments, truncated: &truncated))"
        return capped(line, to: Self.actionTextLimit)
    }

    /// Tool arguments as JSON: a string that holds JSON is that JSON (GenAI sends arguments as
    /// a JSON string), any other string stays a string, other values convert.
    static func json(_ value: OTLPValue) -> JSONValue {
        if case .string(let text) = value {
            if let first = text.utf8.first(where: { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }),
                first == UInt8(ascii: "{") || first == UInt8(ascii: "["),
                let parsed = try? JSONParser().parse(text)
            {
                return parsed
            }
            return .string(text)
        }
        return value.json
    }

    // MARK: - Cleaning

    private func clean(_ text: String, _ truncated: inout Bool) -> String {
        parser.clean(text, truncated: &truncated)
    }

    /// A value as text, cleaned: a string as it is, anything else as compact JSON with each
    /// of its strings cleaned first (redaction must see them decoded, not JSON-escaped).
    private func cleanText(_ value: OTLPValue, _ truncated: inout Bool) -> String {
        if case .string(let text) = value { return clean(text, &truncated) }
        return parser.cleanJSON(value.json, truncated: &truncated)
    }

    /// `text` (already cleaned) cut to `limit` UTF-8 bytes at a character boundary, with `…`.
    private func capped(_ text: String, to limit: Int) -> String {
        guard text.utf8.count > limit else { return text }
        var kept = ""
        var count = 0
        for character in text {
            count += character.utf8.count
            if count > limit - 3 { break }
            kept.append(character)
        }
        return kept + "…"
    }

    /// Nanoseconds since the epoch as a date (microsecond precision, as history keeps it);
    /// `nil` for 0, "not given".
    static func date(_ nanoseconds: UInt64) -> Date? {
        guard nanoseconds > 0 else { return nil }
        return Date(timeIntervalSince1970: Double(nanoseconds / 1_000) / 1e6)
    }
}
