import FlightdeckCore
import Foundation

/// Swimlanes of STRATEGIC/TACTICAL spans for the selected job and its neighbours, with pod
/// restarts, retries, checkpoints and failures marked, and the cursor shared with the trace.
struct TimelinePane {
    let state: CockpitState
    let theme: Theme
    let glyphs: GlyphSet

    static let labelWidth = 16

    func render(into grid: inout CellGrid, area: Rect, focused: Bool) {
        let timeline = state.timeline
        let spc = timeline.secondsPerColumn
        let scale = spc < 1 ? "\(Int((spc * 1_000).rounded()))ms" : DurationText.short(spc)
        let title = "Timeline \(glyphs.separator) \(scale)/col \(glyphs.separator) "
            + "\(glyphs.strategicFill) STRATEGIC \(glyphs.tacticalFill) TACTICAL \(glyphs.podRestart) restart "
            + "\(glyphs.retry) retry \(glyphs.checkpoint) checkpoint \(glyphs.failure) failure"
        let body = grid.frame(area, title: title, focused: focused, theme: theme, glyphs: glyphs)
        guard body.height >= 1, body.width >= 4 else { return }
        guard let window = Self.window(state, body: body) else {
            grid.put("no job selected", x: body.x + 1, y: body.y, style: theme.style(.timelineAxis), clip: body)
            return
        }
        let (labelWidth, columns, lanes, start, cursorColumn) = (window.labelWidth, window.columns, window.lanes, window.start,
            window.cursorColumn)

        for (index, job) in lanes.enumerated() {
            let y = body.y + index
            guard y < body.maxY - (body.height > 1 ? 1 : 0) else { break }
            let selected = job.id == state.jobs.selectedID
            if labelWidth > 0 {
                let name = TextLayout.truncate(AgentText.displayable(job.name, ascii: glyphs.isASCII), to: labelWidth - 2,
                                               ellipsis: glyphs.ellipsis)
                let style = theme.style(selected ? .jobListSelected : .timelineLabel)
                grid.put(TextLayout.pad((selected ? glyphs.pointer : " ") + name, to: labelWidth - 1), x: body.x, y: y,
                         style: style, clip: Rect(x: body.x, y: y, width: labelWidth - 1, height: 1))
            }
            lane(job.id, y: y, x: body.x + labelWidth, columns: columns, start: start, spc: spc, into: &grid)
        }
        if body.height > 1 { axis(y: body.maxY - 1, x: body.x + labelWidth, columns: columns, start: start, spc: spc, into: &grid) }
        if (0..<columns).contains(cursorColumn) {
            let x = body.x + labelWidth + cursorColumn
            grid.restyle(Rect(x: x, y: body.y, width: 1, height: body.height - (body.height > 1 ? 1 : 0))) { _ in
                theme.style(.timelineCursor)
            }
        }
    }

    /// What the pane shows in a body of that size: which lanes, from when, where the cursor is.
    struct Window: Equatable {
        var labelWidth: Int
        var columns: Int
        var lanes: [AgentJob]
        var start: Date
        var cursorColumn: Int
    }

    static func window(_ state: CockpitState, body: Rect) -> Window? {
        let timeline = state.timeline
        let spc = timeline.secondsPerColumn
        let labelWidth = body.width >= 40 ? Self.labelWidth : 0
        let columns = body.width - labelWidth
        let lanes = laneJobs(state, count: max(1, body.height - 1))
        guard !lanes.isEmpty else { return nil }
        // The view ends at "now" unless the cursor is further back than half the width — or
        // ahead of now: an agent's clock (a node's, the demo's faster one) may run ahead of ours.
        let cursor = timeline.cursorTime ?? state.now
        let span = Double(columns) * spc
        var latest = max(state.now, cursor)
        for job in lanes {
            guard let lane = timeline.lanes[job.id] else { continue }
            if let last = lane.spans.last { latest = max(latest, last.end ?? last.start) }
            if let marker = lane.markers.last { latest = max(latest, marker.time) }
        }
        // The view ends on a whole column, so the axis and lanes move a column at a time rather
        // than a little with every second or record.
        func wholeColumn(_ time: Date) -> Date {
            Date(timeIntervalSinceReferenceDate: (time.timeIntervalSinceReferenceDate / spc).rounded(.up) * spc)
        }
        let columnEnd = wholeColumn(latest)
        let end = cursor < columnEnd.addingTimeInterval(-span / 2) ? wholeColumn(cursor.addingTimeInterval(span / 2)) : columnEnd
        let start = end.addingTimeInterval(-span)
        return Window(labelWidth: labelWidth, columns: columns, lanes: lanes, start: start,
            cursorColumn: Int((cursor.timeIntervalSince(start) / spc).rounded(.down)))
    }

    /// The selected job and as many neighbours as fit, in list order.
    private static func laneJobs(_ state: CockpitState, count: Int) -> [AgentJob] {
        let visible = state.jobs.visible
        guard let index = state.jobs.selectedIndex else { return state.jobs.selected.map { [$0] } ?? [] }
        let start = max(0, min(index - count / 2, visible.count - count))
        return Array(visible[start..<min(visible.count, start + count)])
    }

    private func lane(_ jobID: String, y: Int, x: Int, columns: Int, start: Date, spc: TimeInterval, into grid: inout CellGrid) {
        guard let lane = state.timeline.lanes[jobID] else {
            grid.put("-", x: x, y: y, style: theme.style(.timelineAxis))
            return
        }
        var spanIndex = 0
        let spans = lane.spans
        let strategic = Cell(code: Cell.code(for: glyphs.strategicFill), style: theme.style(.timelineStrategic))
        let tactical = Cell(code: Cell.code(for: glyphs.tacticalFill), style: theme.style(.timelineTactical))
        let other = Cell(code: Cell.code(for: glyphs.otherPhaseFill), style: theme.style(.timelineOtherPhase))
        var run = [Cell?](repeating: nil, count: columns)
        let now = state.now.timeIntervalSinceReferenceDate
        let startTime = start.timeIntervalSinceReferenceDate
        // The spans' bounds as numbers once, not `Date`s per column.
        let starts = spans.map(\.start.timeIntervalSinceReferenceDate)
        let ends = spans.map { $0.end?.timeIntervalSinceReferenceDate ?? now }
        for column in 0..<columns {
            let mid = startTime + (Double(column) + 0.5) * spc
            while spanIndex < spans.count, ends[spanIndex] < mid { spanIndex += 1 }
            // Later spans may start before `mid` too; the latest one that covers it wins.
            var covering: Int?
            var probe = spanIndex
            while probe < spans.count, starts[probe] <= mid {
                if ends[probe] >= mid { covering = probe }
                probe += 1
            }
            guard let covering else { continue }
            run[column] = switch spans[covering].phase {
            case .strategic: strategic
            case .tactical: tactical
            default: other
            }
        }
        grid.putNarrowRun(run, x: x, y: y)
        for marker in lane.markers {
            let column = Int((marker.time.timeIntervalSince(start) / spc).rounded(.down))
            guard (0..<columns).contains(column) else { continue }
            grid.putNarrow(glyphs.marker(marker.kind), x: x + column, y: y, style: theme.style(markerSlot(marker.kind)))
        }
    }

    private func markerSlot(_ kind: PhaseMarker.Kind) -> ThemeSlot {
        switch kind {
        case .podRestart: .timelineMarkerPodRestart
        case .retry: .timelineMarkerRetry
        case .checkpoint: .timelineMarkerCheckpoint
        case .failure: .timelineMarkerFailure
        }
    }

    /// Clock labels every dozen columns or so, at round times.
    private func axis(y: Int, x: Int, columns: Int, start: Date, spc: TimeInterval, into grid: inout CellGrid) {
        let style = theme.style(.timelineAxis)
        let every = 12
        var column = 0
        while column + 8 <= columns {
            let time = start.addingTimeInterval(Double(column) * spc)
            grid.put(clock(time), x: x + column, y: y, style: style)
            column += every
        }
    }

    private func clock(_ time: Date) -> String {
        let local = Int(time.timeIntervalSince1970.rounded(.down)) + state.timeZone.secondsFromGMT(for: time)
        let day = ((local % 86_400) + 86_400) % 86_400
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return state.timeline.secondsPerColumn >= 60 ? "\(two(day / 3_600)):\(two(day / 60 % 60))"
            : "\(two(day / 3_600)):\(two(day / 60 % 60)):\(two(day % 60))"
    }
}
