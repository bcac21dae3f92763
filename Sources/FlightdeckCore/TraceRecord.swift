import Foundation

/// One line of an agent's thought trace, after parsing, sanitising and redaction.
///
/// Every string field is terminal-safe and secret-redacted by the time a `TraceRecord`
/// exists outside the parser: the parser is the single entry point for agent bytes.
public struct TraceRecord: Sendable, Hashable, Codable {
    /// The agent job this record belongs to (`AgentJob.id`).
    public var jobID: String
    /// Position in the job's trace, dense from 1, assigned by the history store.
    /// 0 until the record has been stored.
    public var seq: Int64
    /// Identity of the record at its source (`nats:<stream seq>`, `log:<pod>/<container>/<n>`),
    /// which makes ingestion idempotent: the same source record is stored once.
    public var sourceID: String
    /// The agent's own timestamp (`ts`), else when Flightdeck received the line.
    public var time: Date
    /// The agent's own sequence number (`seq`), if it sent one.
    public var agentSeq: Int64?
    public var kind: TraceKind
    public var phase: Phase?
    public var text: String
    public var tool: String?
    /// Tool arguments as compact JSON text.
    public var args: String?
    public var exitCode: Int?
    public var durationMs: Int64?
    /// The model tokens of the answer this record begins (`usage`), when the agent said.
    public var usage: TokenUsage?
    /// What of the JSON object the parser did not understand, as compact JSON in source order,
    /// every key and string value decoded, redacted and sanitised: unknown keys, and protocol
    /// keys whose value could not be used (`"kind":"plan"`, `"ts":"yesterday"`). `nil` when
    /// every member was understood, and for lines that are not JSON objects (their `text` is
    /// the line). Never the verbatim line: a secret can hide behind JSON escapes.
    public var raw: String?
    /// The line was longer than the parser's limit and was cut.
    public var truncated: Bool

    public init(
        jobID: String, seq: Int64 = 0, sourceID: String, time: Date, agentSeq: Int64? = nil,
        kind: TraceKind, phase: Phase? = nil, text: String, tool: String? = nil, args: String? = nil,
        exitCode: Int? = nil, durationMs: Int64? = nil, raw: String? = nil, truncated: Bool = false,
        usage: TokenUsage? = nil
    ) {
        self.usage = usage
        self.jobID = jobID
        self.seq = seq
        self.sourceID = sourceID
        self.time = time
        self.agentSeq = agentSeq
        self.kind = kind
        self.phase = phase
        self.text = text
        self.tool = tool
        self.args = args
        self.exitCode = exitCode
        self.durationMs = durationMs
        self.raw = raw
        self.truncated = truncated
    }
}
