import FlightdeckCore

/// One trace record of the script, before the runner stamps it with `ts` and `seq`: exactly
/// the fields of the trace protocol that `TraceLineParser` reads.
public struct ScriptRecord: Sendable, Hashable {
    public var kind: TraceKind
    public var phase: Phase
    public var text: String
    public var tool: String?
    public var args: JSONValue?
    public var exitCode: Int?
    public var durationMs: Int64?
    /// Share of the step's pace spent before this record appears (thinking, running a tool).
    public var weight: Double

    public init(kind: TraceKind, phase: Phase, text: String, tool: String? = nil, args: JSONValue? = nil,
        exitCode: Int? = nil, durationMs: Int64? = nil, weight: Double = 1)
    {
        self.kind = kind
        self.phase = phase
        self.text = text
        self.tool = tool
        self.args = args
        self.exitCode = exitCode
        self.durationMs = durationMs
        self.weight = weight
    }

    /// The protocol object: `{"ts","seq","kind","phase","text","tool","args","exit_code","duration_ms"}`,
    /// members in that order, absent fields left out.
    public func line(ts: String, seq: Int64) -> JSONValue {
        var members: [JSONValue.Member] = [
            .init("ts", .string(ts)), .init("seq", .integer(seq)), .init("kind", .string(kind.rawValue)),
            .init("phase", .string(phase.rawValue)), .init("text", .string(text)),
        ]
        if let tool { members.append(.init("tool", .string(tool))) }
        if let args { members.append(.init("args", args)) }
        if let exitCode { members.append(.init("exit_code", .integer(Int64(exitCode)))) }
        if let durationMs { members.append(.init("duration_ms", .integer(durationMs))) }
        return .object(members)
    }
}
