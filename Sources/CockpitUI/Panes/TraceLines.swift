import FlightdeckCore
import Foundation

/// How a trace record turns into screen lines: schema-aware (a thought, a tool call with its
/// arguments, an observation with exit code and duration, an error), folded, wrapped. Shared
/// by the pane and by `update`, which must know how tall records are to keep the cursor on
/// screen.
struct TraceLines: Equatable {
    var width: Int
    var absoluteTime: Bool
    var wrap: Bool
    var ascii: Bool
    var interleaved: Bool
    var timeZone: TimeZone
    /// Where relative timestamps count from (the job's start).
    var origin: Date?
    var foldGlyph: String
    var ellipsis: String
    /// Job names by id, for the interleaved view's labels.
    var labels: [String: String] = [:]
    /// The zone's offset when it never changes (UTC, and zones without daylight saving
    /// since 1970; `CockpitState.fixedZoneOffset`): no time-zone look-up per record.
    var fixedOffset: Int?

    /// Columns before the body: time, phase letter, (job,) kind.
    var prefixWidth: Int { roomy ? (interleaved ? 30 : 17) : 2 }
    private var roomy: Bool { width >= 40 }
    var bodyWidth: Int { max(1, width - prefixWidth) }

    /// The record's lines; `unfolded` shows a long observation whole.
    func lines(for record: TraceRecord, unfolded: Bool) -> [[Segment]] {
        let body = bodyLines(record, unfolded: unfolded)
        var out: [[Segment]] = []
        out.reserveCapacity(body.count)
        let prefix = prefix(for: record)
        var blank: [Segment]?  // the indent of continuation lines, made only when there are some
        for (index, line) in body.enumerated() {
            let wrapped = wrap ? Self.wrap(line, width: bodyWidth) : [line]
            for (part, segments) in wrapped.enumerated() {
                if index == 0, part == 0 {
                    out.append(prefix + segments)
                } else {
                    if blank == nil { blank = [Segment(text: String(repeating: " ", count: prefixWidth), slot: .base)] }
                    out.append(blank! + segments)
                }
            }
        }
        return out
    }

    /// How many lines `lines(for:unfolded:)` returns, without building them when unwrapped.
    func count(for record: TraceRecord, unfolded: Bool) -> Int {
        if wrap { return lines(for: record, unfolded: unfolded).count }
        // `bodyLines(...).count` without making the lines: `update` asks for every record it
        // scrolls past, on every live record.
        var text = 0
        if !record.text.isEmpty {
            var newlines = 0
            for byte in record.text.utf8 where byte == 0x0A { newlines += 1 }
            text = newlines + 1
            if text > 1, record.text.utf8.last == 0x0A { text -= 1 }  // a trailing newline adds no line
        }
        var count: Int
        switch record.kind {
        case .action:
            count = (record.tool != nil || record.args != nil ? 1 : 0) + text
        case .observation:
            count = text == 0 && (record.exitCode != nil || record.durationMs != nil) ? 1 : text
            if !unfolded, count > TraceState.foldThreshold { count = TraceState.foldedLines + 1 }
        case .thought, .message, .error:
            count = text
        }
        if record.truncated { count += 1 }
        return max(1, count)
    }

    // MARK: - Parts

    private func prefix(for record: TraceRecord) -> [Segment] {
        let kind = Segment(text: Self.tag(record.kind), slot: Self.slot(record.kind))
        guard roomy else { return [Segment(text: String(Self.tag(record.kind).prefix(1)) + " ", slot: kind.slot)] }
        var segments = [
            Segment(text: timestamp(record.time) + " ", slot: .traceTimestamp),
            Segment(text: Self.phaseLetter(record.phase), slot: .tracePhase),
        ]
        if interleaved {
            let label = TextLayout.truncate(text(labels[record.jobID] ?? record.jobID), to: 12, ellipsis: ellipsis)
            segments.append(Segment(text: TextLayout.pad(label, to: 12) + " ", slot: .traceJobLabel))
        }
        segments.append(Segment(text: Self.paddedTag(record.kind), slot: kind.slot))
        return segments
    }

    private func bodyLines(_ record: TraceRecord, unfolded: Bool) -> [[Segment]] {
        let slot = Self.slot(record.kind)
        var textLines: [String]
        if record.text.isEmpty {
            textLines = []
        } else if !record.text.utf8.contains(0x0A) {
            textLines = [text(record.text)]  // one line: the common case, without `split`
        } else {
            textLines = record.text.utf8.split(separator: 0x0A, omittingEmptySubsequences: false).map { text(Substring($0)) }
        }
        if textLines.last == "" , textLines.count > 1 { textLines.removeLast() }
        var lines: [[Segment]] = []
        switch record.kind {
        case .action:
            var first: [Segment] = []
            if let tool = record.tool { first.append(Segment(text: text(tool), slot: .traceTool)) }
            if let args = record.args { first.append(Segment(text: (first.isEmpty ? "" : " ") + text(args), slot: .traceAction)) }
            if !first.isEmpty { lines.append(first) }
            lines += textLines.map { [Segment(text: $0, slot: slot)] }
        case .observation:
            let failed = (record.exitCode ?? 0) != 0
            let bodySlot: ThemeSlot = failed ? .traceObservationFailed : .traceObservation
            var meta: [String] = []
            if let code = record.exitCode { meta.append("exit \(code)") }
            if let ms = record.durationMs { meta.append(Self.duration(ms)) }
            var all = textLines.map { [Segment(text: $0, slot: bodySlot)] }
            if !meta.isEmpty {
                let head = Segment(text: meta.joined(separator: " ") + (all.isEmpty ? "" : " "), slot: bodySlot)
                if all.isEmpty { all = [[head]] } else { all[0].insert(head, at: 0) }
            }
            if !unfolded, all.count > TraceState.foldThreshold {
                let hidden = all.count - TraceState.foldedLines
                all = Array(all.prefix(TraceState.foldedLines))
                all.append([Segment(text: "\(foldGlyph) \(hidden) more lines (z)", slot: .traceFold)])
            }
            lines = all
        case .thought, .message, .error:
            lines = textLines.map { [Segment(text: $0, slot: slot)] }
        }
        if record.truncated { lines.append([Segment(text: "\(foldGlyph) (cut: the line was too long)", slot: .traceFold)]) }
        return lines.isEmpty ? [[]] : lines
    }

    private func text(_ raw: some StringProtocol) -> String { AgentText.displayable(raw, ascii: ascii) }

    private func timestamp(_ time: Date) -> String {
        if !absoluteTime, let origin {
            let seconds = Int(time.timeIntervalSince(origin).rounded(.down))
            let sign = seconds < 0 ? "-" : "+"
            let s = abs(seconds)
            let text = s >= 3_600
                ? "\(sign)\(s / 3_600):\(Self.two(s / 60 % 60)):\(Self.two(s % 60))"
                : "\(sign)\(s / 60):\(Self.two(s % 60))"
            return TextLayout.pad(String(repeating: " ", count: max(0, 8 - text.count)) + text, to: 8)
        }
        let local = Int(time.timeIntervalSince1970.rounded(.down)) + (fixedOffset ?? timeZone.secondsFromGMT(for: time))
        return Self.clock(((local % 86_400) + 86_400) % 86_400)
    }

    /// `HH:MM:SS` of a second of the day, written straight into a small string.
    static func clock(_ second: Int) -> String {
        String(unsafeUninitializedCapacity: 8) { buffer in
            func two(_ value: Int, at index: Int) {
                buffer[index] = 0x30 + UInt8(value / 10 % 10)
                buffer[index + 1] = 0x30 + UInt8(value % 10)
            }
            two(second / 3_600, at: 0)
            buffer[2] = UInt8(ascii: ":")
            two(second / 60 % 60, at: 3)
            buffer[5] = UInt8(ascii: ":")
            two(second % 60, at: 6)
            return 8
        }
    }

    /// The phase's first letter and a space ("S ", "T "), a blank column without one.
    static func phaseLetter(_ phase: Phase?) -> String {
        switch phase {
        case .strategic?: "S "
        case .tactical?: "T "
        case nil: "  "
        case let other?: String(other.rawValue.prefix(1)) + " "
        }
    }

    private static func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }

    static func duration(_ ms: Int64) -> String {
        if ms < 1_000 { return "\(ms)ms" }
        if ms < 60_000 { return "\(ms / 1_000).\(ms % 1_000 / 100)s" }
        return DurationText.short(TimeInterval(ms) / 1_000)
    }

    static func tag(_ kind: TraceKind) -> String {
        switch kind {
        case .thought: "think"
        case .action: "act"
        case .observation: "obs"
        case .message: "msg"
        case .error: "ERROR"
        }
    }

    /// The tag and a space, six columns.
    static func paddedTag(_ kind: TraceKind) -> String {
        switch kind {
        case .thought: "think "
        case .action: "act   "
        case .observation: "obs   "
        case .message: "msg   "
        case .error: "ERROR "
        }
    }

    static func slot(_ kind: TraceKind) -> ThemeSlot {
        switch kind {
        case .thought: .traceThought
        case .action: .traceAction
        case .observation: .traceObservation
        case .message: .traceMessage
        case .error: .traceError
        }
    }

    /// Breaks a line of segments into lines of at most `width` columns.
    static func wrap(_ line: [Segment], width: Int) -> [[Segment]] {
        var total = 0
        for segment in line { total += TextLayout.width(segment.text) }
        if total <= width { return [line] }
        var out: [[Segment]] = []
        var current: [Segment] = []
        var used = 0
        for segment in line {
            var piece = ""
            for character in segment.text {
                let w = DisplayWidth.of(character)
                if used + w > width {
                    if !piece.isEmpty { current.append(Segment(text: piece, slot: segment.slot)) }
                    out.append(current)
                    current = []
                    piece = ""
                    used = 0
                }
                piece.append(character)
                used += w
            }
            if !piece.isEmpty { current.append(Segment(text: piece, slot: segment.slot)) }
        }
        if !current.isEmpty { out.append(current) }
        return out
    }
}
