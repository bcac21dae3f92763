import Foundation

/// Turns one line of an agent's thought trace into a `TraceRecord`: the single entry point
/// for agent bytes, so every string that leaves it is redacted, then terminal-sanitised,
/// and bounded in size.
///
/// ## Protocol
/// One JSON object per line:
/// `{"ts": RFC 3339, "seq": n, "kind": "thought"|"action"|"observation"|"message"|"error",
/// "phase": "STRATEGIC"|"TACTICAL"|..., "text": "...", "tool": "execute", "args": {...},
/// "exit_code": 0, "duration_ms": 1234}`.
///
/// ## Leniency
/// Agents are LLM-driven and their lines are hostile, so the parser reads what it can and
/// never fails:
/// - A line that is not a JSON object (plain text, an array, a number, broken JSON) is a
///   `.message` whose text is the whole line. A leading UTF-8 BOM and trailing CR/LF are
///   dropped; invalid UTF-8 becomes U+FFFD; an empty line is an empty message.
/// - `seq` and `exit_code` may be integral numbers (`12.0`) or numeric strings (`"12"`);
///   `duration_ms` may be fractional (rounded to nearest); `kind` is case-insensitive and
///   unknown kinds read as `.message`; the two protocol phases match case-insensitively
///   (other phases are kept as written); `ts` may also be epoch seconds, or epoch
///   milliseconds when above 1e11, as a number or numeric string.
/// - Without `text`, the first of `message`, `msg`, `content` is used (LangGraph and
///   structlog habits). A non-string text is shown as its compact JSON.
/// - `args` is stored as compact JSON (`JSONValue.serialized`); a string stays a JSON string.
/// - A protocol field that is `null` is treated as absent.
///
/// ## `raw`
/// `raw` is NOT the line as received: a verbatim line can hide a secret behind JSON
/// escapes (`"sk-\u0061..."`) that redaction of the encoded bytes cannot see. Instead `raw`
/// is the compact JSON object of the members the parser did not understand, each key and
/// string value decoded, redacted and sanitised: unknown keys, plus protocol keys whose
/// value could not be used (a `kind` of `"plan"`, a `ts` of `"yesterday"`, `text` when
/// `message` was preferred over it...), in source order. It is `nil` when every member was
/// understood, and for lines that are not JSON objects.
///
/// ## Size
/// A line of at most `maxLineBytes` is stored whole. A longer line up to
/// 16 × `maxLineBytes` is still parsed, and then every string field (`text`, `args`, `raw`,
/// `tool`, `phase`) longer than `maxLineBytes` is cut at a UTF-8 boundary and ends with a
/// visible marker such as ` …[truncated 9.5 MB]` (approximate size of what was cut). In
/// `args` and `raw` each string is cut that way first, which keeps them valid JSON; only when
/// the JSON text is still over the limit (plus 1 KiB of syntax) is it cut itself, and is then
/// no longer valid JSON. Past 16 × `maxLineBytes` the line is not parsed at all: its first
/// `maxLineBytes` become a `.message` with the marker. `truncated` is `true` whenever the
/// line was longer than `maxLineBytes`, and whenever a field had to be cut. Fields are cut to
/// a window slightly larger than the limit before redaction, so work stays proportional to
/// the limit and a secret straddling the cut is still seen whole by the redactor.
///
/// ## Known limit
/// A line that is not valid JSON is shown as written, escapes included: a secret spelled
/// with JSON escapes inside a *broken* JSON line is not decoded, so byte-level redaction may
/// miss it. Valid lines are always redacted after decoding.
public struct TraceLineParser: Sendable {
    /// 1 MiB: far more than any useful trace line, small enough to keep the store lean.
    public static let defaultMaxLineBytes = 1 << 20
    /// Lines up to this many times `maxLineBytes` are parsed; longer ones are cut unparsed.
    public static let parseLimitFactor = 16

    /// Every string field is cut to this many UTF-8 bytes (plus the truncation marker).
    public let maxLineBytes: Int
    /// Applied to every string before it is sanitised.
    public let redactor: SecretRedactor

    /// `maxLineBytes` is clamped to `1...(Int.max / 32)` so the size arithmetic cannot overflow.
    public init(maxLineBytes: Int = defaultMaxLineBytes, redactor: SecretRedactor = SecretRedactor()) {
        self.maxLineBytes = min(max(maxLineBytes, 1), Int.max / 32)
        self.redactor = redactor
    }

    // MARK: - Entry points

    /// Parses one line from `logs.agent.<job>` (a NATS message payload) or one stdout line of
    /// an agent pod. `jobID` and `sourceID` are the caller's and are used as given.
    public func parse(
        _ line: UnsafeBufferPointer<UInt8>, jobID: String, sourceID: String, receivedAt: Date
    ) -> TraceRecord {
        let bytes = Self.trimmingFraming(line)
        var truncated = bytes.count > maxLineBytes
        if bytes.count <= maxLineBytes * Self.parseLimitFactor, Self.startsWithObject(bytes),
            case .object(let members)? = try? JSONParser().parse(bytes)
        {
            var record = TraceRecord(jobID: jobID, sourceID: sourceID, time: receivedAt, kind: .message, text: "")
            read(members, into: &record, truncated: &truncated)
            record.truncated = truncated
            return record
        }
        let text = clean(bytes, truncated: &truncated)
        return TraceRecord(
            jobID: jobID, sourceID: sourceID, time: receivedAt, kind: .message, text: text, truncated: truncated)
    }

    /// A line in raw memory (a NATS client's receive buffer), read in place.
    public func parse(
        _ line: UnsafeRawBufferPointer, jobID: String, sourceID: String, receivedAt: Date
    ) -> TraceRecord {
        line.withMemoryRebound(to: UInt8.self) {
            parse($0, jobID: jobID, sourceID: sourceID, receivedAt: receivedAt)
        }
    }

    /// A line as a byte array, read without copying.
    public func parse(_ line: [UInt8], jobID: String, sourceID: String, receivedAt: Date) -> TraceRecord {
        line.withUnsafeBufferPointer { parse($0, jobID: jobID, sourceID: sourceID, receivedAt: receivedAt) }
    }

    /// A line already decoded (a pod log line); its UTF-8 is read in place.
    public func parse(_ line: String, jobID: String, sourceID: String, receivedAt: Date) -> TraceRecord {
        var line = line
        return line.withUTF8 { parse($0, jobID: jobID, sourceID: sourceID, receivedAt: receivedAt) }
    }

    /// Any byte collection (`Data`, `ArraySlice`, ...); copied only when not contiguous.
    public func parse(
        _ line: some Collection<UInt8>, jobID: String, sourceID: String, receivedAt: Date
    ) -> TraceRecord {
        line.withContiguousStorageIfAvailable { parse($0, jobID: jobID, sourceID: sourceID, receivedAt: receivedAt) }
            ?? parse(Array(line), jobID: jobID, sourceID: sourceID, receivedAt: receivedAt)
    }

    // MARK: - Framing

    /// Drops a leading UTF-8 BOM and any trailing CR/LF.
    static func trimmingFraming(_ line: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        var start = 0
        var end = line.count
        if end >= 3, line[0] == 0xEF, line[1] == 0xBB, line[2] == 0xBF { start = 3 }
        while end > start, line[end - 1] == 0x0A || line[end - 1] == 0x0D { end -= 1 }
        return UnsafeBufferPointer(rebasing: line[start..<end])
    }

    /// Only a line whose first non-blank byte is `{` can be a record, so plain text never
    /// pays for a parse attempt.
    private static func startsWithObject(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        for byte in bytes {
            switch byte {
            case 0x20, 0x09, 0x0A, 0x0D: continue
            default: return byte == UInt8(ascii: "{")
            }
        }
        return false
    }

    // MARK: - Fields

    /// The protocol's keys. Matched with a `switch` rather than `init(rawValue:)`, which
    /// goes through a slower generic string table lookup.
    private enum Field {
        case ts, seq, kind, phase, tool, args, exitCode, durationMs, usage
        /// `text`, or a stand-in for it; lower ranks win.
        case text(rank: Int)

        init?(key: String) {
            switch key {
            case "ts": self = .ts
            case "seq": self = .seq
            case "kind": self = .kind
            case "phase": self = .phase
            case "text": self = .text(rank: 0)
            case "tool": self = .tool
            case "args": self = .args
            case "exit_code": self = .exitCode
            case "duration_ms": self = .durationMs
            case "usage": self = .usage
            case "message": self = .text(rank: 1)
            case "msg": self = .text(rank: 2)
            case "content": self = .text(rank: 3)
            default: return nil
            }
        }
    }

    /// Fills `record` from a JSON object's members; what it cannot use goes to `raw`.
    private func read(_ members: [JSONValue.Member], into record: inout TraceRecord, truncated: inout Bool) {
        var unknown: [Int] = []  // indices into `members`
        var textSource: (rank: Int, index: Int)?
        for (index, member) in members.enumerated() {
            let value = member.value
            guard let field = Field(key: member.key) else {
                unknown.append(index)
                continue
            }
            if value.isNull { continue }
            var understood = true
            switch field {
            case .ts:
                if let time = value.lenientDate { record.time = time } else { understood = false }
            case .seq:
                if let seq = value.lenientInteger { record.agentSeq = seq } else { understood = false }
            case .kind:
                if let kind = value.stringValue.flatMap(Self.traceKind) {
                    record.kind = kind
                } else {
                    understood = false
                }
            case .phase:
                if let text = value.stringValue {
                    record.phase = phase(from: text, truncated: &truncated)
                } else {
                    understood = false
                }
            case .tool:
                if let text = value.stringValue {
                    let tool = clean(text, truncated: &truncated)
                    record.tool = tool.isEmpty ? nil : tool
                } else {
                    understood = false
                }
            case .args:
                record.args = cleanJSON(value, truncated: &truncated)
            case .exitCode:
                if let code = value.lenientInteger.flatMap({ Int(exactly: $0) }) {
                    record.exitCode = code
                } else {
                    understood = false
                }
            case .durationMs:
                if let duration = value.lenientRoundedInteger {
                    record.durationMs = duration
                } else {
                    understood = false
                }
            case .usage:
                if let usage = usage(from: value, truncated: &truncated) {
                    record.usage = usage
                } else {
                    understood = false
                }
            case .text(let rank):
                // The best candidate so far waits in `textSource`; a displaced one is unknown.
                if rank <= textSource?.rank ?? .max {
                    if let previous = textSource { unknown.append(previous.index) }
                    textSource = (rank, index)
                } else {
                    understood = false
                }
            }
            if !understood { unknown.append(index) }
        }
        if let value = textSource.map({ members[$0.index].value }) {
            record.text =
                value.stringValue.map { clean($0, truncated: &truncated) }
                ?? cleanJSON(value, truncated: &truncated)
        }
        if !unknown.isEmpty {
            let rawMembers = unknown.sorted().map { members[$0] }
            record.raw = cleanJSON(.object(rawMembers), truncated: &truncated)
        }
    }

    /// `usage`: an object with non-negative integral `input_tokens` and `output_tokens` (either
    /// may be missing: 0) and an optional `model` string; anything else is not understood.
    private func usage(from value: JSONValue, truncated: inout Bool) -> TokenUsage? {
        guard case .object(let members) = value else { return nil }
        var usage = TokenUsage(inputTokens: 0, outputTokens: 0)
        var counted = false
        for member in members where !member.value.isNull {
            switch member.key {
            case "input_tokens", "output_tokens":
                guard let count = member.value.lenientInteger, count >= 0 else { return nil }
                if member.key == "input_tokens" { usage.inputTokens = count } else { usage.outputTokens = count }
                counted = true
            case "model":
                guard let name = member.value.stringValue else { return nil }
                let model = clean(String(name.prefix(200)), truncated: &truncated)
                usage.model = model.isEmpty ? nil : model
            default:
                continue
            }
        }
        return counted ? usage : nil
    }

    /// A `kind`, exact or in any case.
    private static func traceKind(_ text: String) -> TraceKind? {
        func exact(_ text: String) -> TraceKind? {
            switch text {
            case "thought": .thought
            case "action": .action
            case "observation": .observation
            case "message": .message
            case "error": .error
            default: nil
            }
        }
        return exact(text) ?? exact(text.lowercased())
    }

    /// The protocol's phases are matched case-insensitively; agents' own are kept as written.
    func phase(from text: String, truncated: inout Bool) -> Phase? {
        let cleaned = clean(text, truncated: &truncated)
        if cleaned.isEmpty { return nil }
        // Only short text can be a protocol phase; longer text skips `uppercased()`.
        let candidate = cleaned.utf8.count <= 9 ? cleaned.uppercased() : ""
        switch candidate {
        case Phase.strategic.rawValue: return .strategic
        case Phase.tactical.rawValue: return .tactical
        default: return Phase(cleaned)
        }
    }

    // MARK: - Cleaning

    /// How far past the limit a string is kept while redacting, so that a secret which
    /// straddles the cut is still recognised whole.
    private static let redactionWindow = 4096

    /// Redacts, sanitises and caps one decoded string: what every agent string goes through,
    /// public so that other sources of agent text (OpenTelemetry spans) clean theirs the same.
    public func clean(_ text: String, truncated: inout Bool) -> String {
        let count = text.utf8.count
        guard count > maxLineBytes + Self.redactionWindow else {
            return capped(text, originalCount: count, truncated: &truncated)
        }
        var text = text
        let window = text.withUTF8 { bytes in
            let end = Self.scalarBoundary(in: bytes, atMost: maxLineBytes + Self.redactionWindow)
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[..<end]), as: UTF8.self)
        }
        return capped(window, originalCount: count, truncated: &truncated)
    }

    /// Decodes (repairing invalid UTF-8), redacts, sanitises and caps raw line bytes.
    func clean(_ bytes: UnsafeBufferPointer<UInt8>, truncated: inout Bool) -> String {
        let end = Self.scalarBoundary(in: bytes, atMost: maxLineBytes + Self.redactionWindow)
        let window = String(decoding: UnsafeBufferPointer(rebasing: bytes[..<end]), as: UTF8.self)
        return capped(window, originalCount: bytes.count, truncated: &truncated)
    }

    /// Room for JSON syntax (quotes, keys, escapes, the inner marker) past `maxLineBytes`, so
    /// that `args` or `raw` whose only big part is one string is cut inside that string and
    /// stays valid JSON, instead of being cut a second time.
    private static let jsonAllowance = 1024

    /// Every string inside `value` cleaned (and each cut to `maxLineBytes`), then the compact
    /// JSON of it capped.
    public func cleanJSON(_ value: JSONValue, truncated: inout Bool) -> String {
        let json = value.serialized(mappingStrings: { clean($0, truncated: &truncated) })
        return capped(
            json, originalCount: json.utf8.count, redacting: false, limit: maxLineBytes + Self.jsonAllowance,
            truncated: &truncated)
    }

    /// Redacts and sanitises `window` (the first bytes of a text of `originalCount` bytes),
    /// then cuts it to `limit` (default `maxLineBytes`) with a marker if it is still too long.
    private func capped(
        _ window: String, originalCount: Int, redacting: Bool = true, limit: Int? = nil, truncated: inout Bool
    ) -> String {
        let limit = limit ?? maxLineBytes
        var text = redacting ? TerminalSanitizer.sanitize(redactor.redact(window)) : window
        let cleanedCount = text.utf8.count
        guard cleanedCount > limit || originalCount > window.utf8.count else { return text }
        let kept = text.withUTF8 { Self.scalarBoundary(in: $0, atMost: limit) }
        let cut = text.withUTF8 { String(decoding: UnsafeBufferPointer(rebasing: $0[..<kept]), as: UTF8.self) }
        // The unprocessed tail counts at its raw size, the processed part at its cleaned size.
        let omitted = originalCount - window.utf8.count + cleanedCount - kept
        truncated = true
        return cut + " …[truncated \(Self.humanSize(omitted))]"
    }

    /// The largest index `<= limit` that does not split a UTF-8 sequence (it backs off at
    /// most three continuation bytes, so invalid input cannot make it wander).
    private static func scalarBoundary(in bytes: UnsafeBufferPointer<UInt8>, atMost limit: Int) -> Int {
        guard bytes.count > limit else { return bytes.count }
        var end = limit
        while end > 0, limit - end < 3, bytes[end] & 0xC0 == 0x80 { end -= 1 }
        return end
    }

    /// `512 B`, `1.5 kB`, `9.5 MB`: decimal units, one decimal.
    static func humanSize(_ bytes: Int) -> String {
        if bytes < 1000 { return "\(max(bytes, 0)) B" }
        var value = Double(bytes) / 1000
        var unit = 0
        let units = ["kB", "MB", "GB", "TB", "PB", "EB"]
        while value >= 999.95, unit < units.count - 1 {
            value /= 1000
            unit += 1
        }
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(tenths % 10) \(units[unit])"
    }
}

// MARK: - Lenient field readers

extension JSONValue {
    /// An integer given as an integral number (`12`, `12.0`) or a numeric string (`"12"`).
    var lenientInteger: Int64? {
        switch self {
        case .integer, .double: int64Value
        case .string(let text): Self.number(in: text)?.int64Value
        default: nil
        }
    }

    /// Any finite number (or numeric string) rounded to the nearest integer.
    var lenientRoundedInteger: Int64? {
        switch self {
        case .integer(let value): value
        case .double(let value): Int64(exactly: value.rounded())
        case .string(let text): Self.number(in: text)?.lenientRoundedInteger
        default: nil
        }
    }

    /// An RFC 3339 string, or Unix epoch seconds (milliseconds when the magnitude is above
    /// 1e11, i.e. after 1973 in ms or after 5138 in s) as a number or numeric string.
    /// Times outside years 0000...9999 are rejected.
    var lenientDate: Date? {
        switch self {
        case .integer, .double:
            guard var seconds = doubleValue else { return nil }
            if abs(seconds) > 1e11 { seconds /= 1000 }
            guard (RFC3339.earliest...RFC3339.latest).contains(seconds) else { return nil }
            return Date(timeIntervalSince1970: seconds)
        case .string(let text):
            return RFC3339.date(from: text) ?? Self.number(in: text)?.lenientDate
        default:
            return nil
        }
    }

    /// The JSON number `text` spells (surrounding whitespace allowed), else `nil`.
    private static func number(in text: String) -> JSONValue? {
        // Depth 0 admits only scalars, so `"[12]"` costs no allocation before it fails.
        switch try? JSONParser(maxDepth: 0).parse(text) {
        case let number? where number.doubleValue != nil: number
        default: nil
        }
    }
}
