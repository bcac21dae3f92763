import FlightdeckCore
import Foundation

/// The selected job's thought trace (or the marked jobs interleaved on one clock), drawn
/// from the cursor's window: follow badge, search highlights, folds.
struct TracePane {
    let state: CockpitState
    let theme: Theme
    let glyphs: GlyphSet

    func render(into grid: inout CellGrid, area: Rect, focused: Bool) {
        var layouts: TraceLayoutCache?
        render(into: &grid, area: area, focused: focused, layouts: &layouts)
    }

    /// Draws the pane, taking records' lines from `layouts` when given (and keeping them there).
    func render(into grid: inout CellGrid, area: Rect, focused: Bool, layouts: inout TraceLayoutCache?) {
        let trace = state.trace
        let body = grid.frame(area, title: title(), focused: focused, theme: theme, glyphs: glyphs,
                              footer: footer(), footerRight: badge())
        guard !body.isEmpty else { return }
        guard trace.jobID != nil else {
            grid.put("no job selected", x: body.x + 1, y: body.y, style: theme.style(.traceFold), clip: body)
            return
        }
        guard !trace.rows.isEmpty else {
            let text = trace.awaitingTail || trace.pendingPage != nil ? "loading the trace\(glyphs.ellipsis)"
                : trace.source.isEmpty ? "no trace records yet" : "every record is filtered out (0 clears the filters)"
            grid.put(text, x: body.x + 1, y: body.y, style: theme.style(.traceFold), clip: body)
            return
        }
        var lines = state.traceLines
        lines.width = body.width
        func layout(_ record: TraceRecord) -> [[Segment]] {
            let unfolded = !trace.unfolded.isEmpty && trace.unfolded.contains(trace.key(record))
            guard layouts != nil else { return lines.lines(for: record, unfolded: unfolded) }
            return layouts!.lines(for: record, unfolded: unfolded, laidOutWith: lines)
        }
        layouts?.beginFrame(with: lines)
        defer { layouts?.endFrame() }
        let selectedStyle = theme.style(.traceSelected)
        let matchStyle = theme.style(.traceSearchMatch)
        let source = trace.source
        // Follow mode fills the pane from the bottom up, the oldest record cut at the top if
        // need be; otherwise records are drawn whole from `top` down. Each record's lines are
        // laid out once.
        var laidOut: [(row: Int, lines: ArraySlice<[Segment]>)] = []
        if trace.following {
            var count = 0
            var row = trace.rows.count
            while row > 0, count < body.height {
                row -= 1
                let record = source[trace.rows[row]]
                let recordLines = layout(record)
                count += recordLines.count
                laidOut.append((row, recordLines[...]))
            }
            laidOut.reverse()
            if count > body.height, !laidOut.isEmpty { laidOut[0].lines = laidOut[0].lines.dropFirst(count - body.height) }
        } else {
            var count = 0
            var row = min(trace.top, trace.rows.count - 1)
            while count < body.height, row < trace.rows.count {
                let record = source[trace.rows[row]]
                let recordLines = layout(record)
                count += recordLines.count
                laidOut.append((row, recordLines[...]))
                row += 1
            }
        }
        var y = body.y
        for (row, recordLines) in laidOut where y < body.maxY {
            let record = source[trace.rows[row]]
            let isCursor = row == trace.cursor
            for segments in recordLines where y < body.maxY {
                let rowRect = Rect(x: body.x, y: y, width: body.width, height: 1)
                if isCursor { grid.fill(rowRect, style: selectedStyle) }
                let end = grid.draw(segments, x: body.x, y: y, clip: body, theme: theme, over: isCursor ? selectedStyle : nil)
                if !trace.wrap, end >= body.maxX, overflows(segments, width: body.width) {
                    grid.put(glyphs.ellipsis, x: body.maxX - DisplayWidth.of(glyphs.ellipsis), y: y,
                             style: theme.style(.traceFold), clip: body)
                }
                if let query = trace.query, trace.matches(record, query) {
                    let text = segments.map(\.text).joined()
                    grid.highlight(query, in: text, x: body.x, y: y, clip: body, style: matchStyle)
                }
                y += 1
            }
        }
    }

    private func overflows(_ segments: [Segment], width: Int) -> Bool {
        var total = 0
        for segment in segments { total += TextLayout.width(segment.text) }
        return total > width
    }

    private func title() -> String {
        let trace = state.trace
        var parts: [String] = []
        if trace.interleaved {
            parts.append("Trace: \(state.jobs.marked.union(trace.jobID.map { [$0] } ?? []).count) jobs interleaved")
        } else {
            let name = trace.jobID.flatMap { state.jobs.job(id: $0)?.name } ?? trace.jobID ?? ""
            parts.append("Trace: \(AgentText.displayable(name, ascii: glyphs.isASCII))")
        }
        parts.append(trace.following ? "follow" : "paused")
        if trace.wrap { parts.append("wrap") }
        if !trace.absoluteTime { parts.append("relative") }
        if trace.kinds.count != TraceKind.allCases.count {
            parts.append("kinds:" + TraceKind.allCases.filter { trace.kinds.contains($0) }.map { TraceLines.tag($0).lowercased() }.joined(separator: ","))
        }
        if let phase = trace.phase { parts.append("phase:\(AgentText.displayable(phase.rawValue, ascii: glyphs.isASCII))") }
        if let record = trace.cursorRecord, !trace.interleaved {
            parts.append("#\(record.seq)/\(max(trace.total, record.seq))")
        }
        return parts.joined(separator: " \(glyphs.separator) ")
    }

    private func footer() -> [Segment] {
        var segments: [Segment] = []
        if let query = state.trace.query {
            segments.append(Segment(text: " /\(AgentText.displayable(query, ascii: glyphs.isASCII)) ", slot: .traceSearchMatch))
        }
        if state.trace.pendingPage != nil || state.trace.awaitingTail {
            segments.append(Segment(text: " loading\(glyphs.ellipsis) ", slot: .traceFold))
        }
        return segments
    }

    /// The "N new" badge while follow mode is paused.
    private func badge() -> [Segment] {
        guard !state.trace.following, state.trace.newWhilePaused > 0 else { return [] }
        return [Segment(text: " \(glyphs.newBelow) \(state.trace.newWhilePaused) new (G) ", slot: .traceBadge)]
    }
}
