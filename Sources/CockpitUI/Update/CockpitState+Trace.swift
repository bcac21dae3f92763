import FlightdeckCore
import Foundation

/// The trace window: live records, pages from the store, filters, cursor and scrolling.
extension CockpitState {
    // MARK: - Window

    mutating func resetTrace(for id: String, _ effects: inout [CockpitEffect]) {
        trace.jobID = id
        trace.records = (trace.recent[id] ?? []).sorted { $0.seq < $1.seq }
        trace.total = trace.records.last?.seq ?? 0
        trace.following = true
        trace.newWhilePaused = 0
        trace.pendingPage = nil
        trace.unfolded = []
        trace.awaitingTail = true
        trace.jumpToStart = false
        trace.cursor = 0
        trace.top = 0
        rebuildTraceRows(keeping: nil)
        effects.append(.loadTraceTail(jobID: id, count: TraceState.pageSize))
    }

    /// Live records: kept per job (bounded) for the interleaved view, and appended to the
    /// window when it is at the head of the selected job's trace.
    mutating func appendLive(_ records: [TraceRecord], _ effects: inout [CockpitEffect]) {
        guard !records.isEmpty else { return }
        var byJob: [String: [TraceRecord]] = [:]
        for record in records where record.seq > 0 { byJob[record.jobID, default: []].append(record) }
        var changed = false
        let anchor = trace.cursorRecord
        for (job, list) in byJob {
            let sorted = list.sorted { $0.seq < $1.seq }
            var recent = trace.recent[job] ?? []
            let recentLast = recent.last?.seq ?? 0
            recent += sorted.filter { $0.seq > recentLast }
            if recent.count > TraceState.recentLimit { recent.removeFirst(recent.count - TraceState.recentLimit) }
            trace.recent[job] = recent
            if trace.interleaved, job == trace.jobID || jobs.marked.contains(job) { changed = true }
            guard job == trace.jobID else { continue }

            trace.total = max(trace.total, sorted.last!.seq)
            let last = trace.records.last?.seq ?? 0
            let fresh = sorted.filter { $0.seq > last }
            guard !fresh.isEmpty else { continue }
            if !trace.following { trace.newWhilePaused += fresh.count }
            // Only a window at the head grows; one scrolled back waits for the tail on resume.
            // A gap (records the feed could not hand over) is read from the store while following.
            guard trace.records.isEmpty || fresh[0].seq <= last + 1 else {
                if trace.following, !trace.interleaved, !trace.awaitingTail {
                    trace.awaitingTail = true
                    effects.append(.loadTraceTail(jobID: job, count: TraceState.pageSize))
                }
                continue
            }
            trace.records += fresh
            let overflow = trace.records.count - TraceState.windowLimit
            if overflow > 0 {
                let cursorIndex = anchor.flatMap { a in trace.records.firstIndex { $0.seq == a.seq } } ?? trace.records.count
                if trace.following || cursorIndex >= overflow {
                    trace.records.removeFirst(overflow)
                } else {
                    trace.records.removeLast(overflow)
                }
            }
            changed = true
        }
        if changed { rebuildTraceRows(keeping: anchor) }
    }

    /// A page from the store: merged into the window when it touches it, else replacing it;
    /// the window is then cut back to its limit on the side away from the cursor.
    mutating func loadedPage(jobID: String, page: [TraceRecord], total: Int64) {
        guard jobID == trace.jobID else { return }
        trace.pendingPage = nil
        trace.awaitingTail = false
        trace.total = max(trace.total, total)
        let page = page.filter { $0.jobID == jobID }.sorted { $0.seq < $1.seq }
        let anchor = trace.jumpToStart ? nil : trace.cursorRecord
        if let first = page.first, let last = page.last {
            let older = first.seq < (trace.records.first?.seq ?? .max)
            if trace.records.isEmpty || first.seq > trace.records.last!.seq + 1 || last.seq < trace.records.first!.seq - 1 {
                trace.records = page
            } else {
                var merged = trace.records + page
                merged.sort { $0.seq < $1.seq }
                var unique: [TraceRecord] = []
                unique.reserveCapacity(merged.count)
                for record in merged where record.seq != unique.last?.seq { unique.append(record) }
                trace.records = unique
            }
            let overflow = trace.records.count - TraceState.windowLimit
            if overflow > 0 {
                if trace.following || !older { trace.records.removeFirst(overflow) } else { trace.records.removeLast(overflow) }
            }
        }
        if trace.jumpToStart {
            trace.jumpToStart = false
            trace.cursor = 0
            trace.top = 0
        }
        rebuildTraceRows(keeping: anchor)
        if let target = trace.jumpTo {
            trace.jumpTo = nil
            let source = trace.source
            if let row = trace.rows.firstIndex(where: { source[$0].seq == target }) {
                var ignored: [CockpitEffect] = []
                moveToMatch(row: row, &ignored)
            }
        }
    }

    /// Recomputes what the rows index (the window or the interleaved merge) and which pass
    /// the filters, keeping the cursor on `anchor` (or the nearest record in time).
    mutating func rebuildTraceRows(keeping anchor: TraceRecord?) {
        if trace.interleaved {
            var merged: [TraceRecord] = []
            for id in jobs.marked.union(trace.jobID.map { [$0] } ?? []) {
                merged += id == trace.jobID ? trace.records : (trace.recent[id] ?? [])
            }
            merged.sort { ($0.time, $0.jobID, $0.seq) < ($1.time, $1.jobID, $1.seq) }
            trace.merged = Array(merged.suffix(TraceState.windowLimit))
        } else {
            trace.merged = []
        }
        let filtering = self.trace
        let all = filtering.source
        self.trace.rows = filtering.filtersActive ? all.indices.filter { filtering.passes(all[$0]) } : Array(all.indices)
        let rows = self.trace.rows
        if self.trace.following {
            self.trace.cursor = max(0, rows.count - 1)
            anchorTraceBottom()
        } else if let anchor {
            let source = self.trace.source
            if let exact = rows.firstIndex(where: { source[$0].seq == anchor.seq && source[$0].jobID == anchor.jobID }) {
                self.trace.cursor = exact
            } else {
                self.trace.cursor = rows.firstIndex { source[$0].time >= anchor.time } ?? max(0, rows.count - 1)
            }
            keepTraceCursorVisible()
        } else {
            self.trace.cursor = min(self.trace.cursor, max(0, rows.count - 1))
            keepTraceCursorVisible()
        }
        syncTimelineCursor()
    }

    // MARK: - Paging

    /// Asks for the page before or after the window when the cursor nears that edge.
    mutating func requestPageIfNeeded(_ effects: inout [CockpitEffect]) {
        guard !trace.interleaved, trace.pendingPage == nil, !trace.awaitingTail, let id = trace.jobID,
              let record = trace.cursorRecord, let first = trace.records.first, let last = trace.records.last,
              let index = trace.records.firstIndex(where: { $0.seq == record.seq })
        else { return }
        if index < TraceState.prefetchMargin, first.seq > 1 {
            let range = max(1, first.seq - Int64(TraceState.pageSize))...(first.seq - 1)
            trace.pendingPage = range
            effects.append(.loadTrace(jobID: id, seq: range))
        } else if index >= trace.records.count - TraceState.prefetchMargin, last.seq < trace.total {
            let range = (last.seq + 1)...min(trace.total, last.seq + Int64(TraceState.pageSize))
            trace.pendingPage = range
            effects.append(.loadTrace(jobID: id, seq: range))
        }
    }

    // MARK: - Cursor and scrolling

    /// The trace body's size at the current layout (as if focused when it is hidden).
    var traceViewport: Rect {
        let rect = layout.panes[.trace] ?? Layout(width: width, height: height, focus: .trace, secondary: secondary).panes[.trace]
        return Layout.interior(of: rect ?? Rect(x: 0, y: 0, width: 0, height: 0))
    }

    var traceLines: TraceLines {
        TraceLines(width: traceViewport.width, absoluteTime: trace.absoluteTime, wrap: trace.wrap, ascii: glyphs.isASCII,
                   interleaved: trace.interleaved, timeZone: timeZone,
                   origin: (trace.jobID.flatMap { jobs.job(id: $0)?.startedAt }) ?? trace.records.first?.time,
                   foldGlyph: glyphs.folded, ellipsis: glyphs.ellipsis,
                   labels: trace.interleaved ? Dictionary(jobs.all.map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a }) : [:],
                   fixedOffset: fixedZoneOffset)
    }

    func traceLineCount(_ row: Int, _ lines: TraceLines) -> Int {
        let record = trace.source[trace.rows[row]]
        return lines.count(for: record, unfolded: trace.unfolded.contains(trace.key(record)))
    }

    mutating func keepTraceCursorVisible() {
        let height = traceViewport.height
        guard height > 0, !trace.rows.isEmpty else {
            trace.top = 0
            return
        }
        trace.cursor = min(max(0, trace.cursor), trace.rows.count - 1)
        if trace.cursor < trace.top || trace.top >= trace.rows.count {
            trace.top = trace.cursor
            return
        }
        let lines = traceLines
        var used = 0
        for row in trace.top...trace.cursor { used += traceLineCount(row, lines) }
        while used > height, trace.top < trace.cursor {
            used -= traceLineCount(trace.top, lines)
            trace.top += 1
        }
    }

    /// The cursor's record at the bottom, as many before it as fit above.
    mutating func anchorTraceBottom() {
        let height = traceViewport.height
        guard !trace.rows.isEmpty, height > 0 else {
            trace.top = 0
            return
        }
        let lines = traceLines
        trace.top = trace.cursor
        var used = traceLineCount(trace.cursor, lines)
        while trace.top > 0 {
            let count = traceLineCount(trace.top - 1, lines)
            if used + count > height { break }
            used += count
            trace.top -= 1
        }
    }

    /// The cursor a third of the way down: a search match or a time jump shows what led to it.
    mutating func centreTraceCursor() {
        let context = traceViewport.height / 3
        guard !trace.rows.isEmpty else { return }
        let lines = traceLines
        trace.top = trace.cursor
        var used = 0
        while trace.top > 0 {
            let count = traceLineCount(trace.top - 1, lines)
            if used + count > context { break }
            used += count
            trace.top -= 1
        }
        keepTraceCursorVisible()
    }

    /// Moves the cursor (pausing follow mode when it leaves the bottom).
    mutating func moveTraceCursor(to row: Int, _ effects: inout [CockpitEffect]) {
        guard !trace.rows.isEmpty else { return }
        let target = min(max(0, row), trace.rows.count - 1)
        if target < trace.rows.count - 1 || trace.newWhilePaused > 0 { trace.following = false }
        trace.cursor = target
        keepTraceCursorVisible()
        syncTimelineCursor()
        requestPageIfNeeded(&effects)
    }

    /// Rows a page key moves by: as many records as fill the viewport.
    func tracePageRows(forward: Bool) -> Int {
        let height = traceViewport.height
        guard !trace.rows.isEmpty, height > 0 else { return 1 }
        let lines = traceLines
        var used = 0
        var row = trace.cursor
        var moved = 0
        while used < height {
            let next = forward ? row + 1 : row - 1
            guard trace.rows.indices.contains(next) else { break }
            used += traceLineCount(next, lines)
            row = next
            moved += 1
        }
        return max(1, moved - (used > height ? 1 : 0))
    }

    mutating func resumeFollowing(_ effects: inout [CockpitEffect]) {
        trace.following = true
        trace.newWhilePaused = 0
        if !trace.interleaved, let id = trace.jobID, (trace.records.last?.seq ?? 0) < trace.total {
            trace.awaitingTail = true
            effects.append(.loadTraceTail(jobID: id, count: TraceState.pageSize))
        }
        rebuildTraceRows(keeping: nil)
    }

    // MARK: - Search

    /// n/N and a new search: the next match in the window; past its edge the store is asked
    /// (`searchTrace`), and past the trace's end the search wraps around once. A match
    /// outside the window is paged in around it, the cursor a third of the way down.
    mutating func findMatch(forward: Bool, includingCursor: Bool, _ effects: inout [CockpitEffect]) {
        guard let query = trace.query, !query.isEmpty else {
            show("no search: press / first", error: true)
            return
        }
        let count = trace.rows.count
        if count > 0 {
            var row = trace.cursor + (includingCursor ? 0 : (forward ? 1 : -1))
            while row >= 0, row < count {
                if trace.matches(trace.source[trace.rows[row]], query) { return moveToMatch(row: row, &effects) }
                row += forward ? 1 : -1
            }
        }
        // Past the window's edge: the rest of the trace that way is in the store.
        if let id = trace.jobID, !trace.interleaved, let edge = forward ? trace.records.last?.seq : trace.records.first?.seq,
           forward ? edge < trace.total : edge > 1 {
            trace.pendingSearch = TraceState.PendingSearch(query: query, forward: forward, wrapped: false)
            effects.append(.searchTrace(jobID: id, query: query, from: edge, forward: forward))
            return
        }
        wrapSearch(query: query, forward: forward, &effects)
    }

    /// The search from the other end of the trace (in the window when it holds all of it).
    mutating func wrapSearch(query: String, forward: Bool, _ effects: inout [CockpitEffect]) {
        let holdsAll = trace.interleaved || ((trace.records.first?.seq ?? 1) <= 1 && (trace.records.last?.seq ?? 0) >= trace.total)
        if !holdsAll, let id = trace.jobID {
            trace.pendingSearch = TraceState.PendingSearch(query: query, forward: forward, wrapped: true)
            effects.append(.searchTrace(jobID: id, query: query, from: forward ? 0 : trace.total + 1, forward: forward))
            return
        }
        let count = trace.rows.count
        for step in 0..<count {
            let row = forward ? step : count - 1 - step
            if trace.matches(trace.source[trace.rows[row]], query) { return moveToMatch(row: row, &effects) }
        }
        show("no match for \"\(query)\"", error: true)
    }

    mutating func moveToMatch(row: Int, _ effects: inout [CockpitEffect]) {
        trace.pendingSearch = nil
        trace.following = false
        trace.cursor = row
        centreTraceCursor()
        syncTimelineCursor()
        requestPageIfNeeded(&effects)
    }

    /// The store's answer to a search past the window.
    mutating func searchAnswered(jobID: String, query: String, seq: Int64?, _ effects: inout [CockpitEffect]) {
        guard jobID == trace.jobID, let pending = trace.pendingSearch, pending.query == query, trace.query == query else { return }
        guard let seq else {
            trace.pendingSearch = nil
            if pending.wrapped { return show("no match for \"\(query)\"", error: true) }
            return wrapSearch(query: query, forward: pending.forward, &effects)
        }
        let source = trace.source
        if trace.records.contains(where: { $0.seq == seq }) {
            if let row = trace.rows.firstIndex(where: { source[$0].seq == seq }) { return moveToMatch(row: row, &effects) }
            // Matched, but hidden by the filters: on to the next one.
            effects.append(.searchTrace(jobID: jobID, query: query, from: seq, forward: pending.forward))
            return
        }
        // Outside the window: a page around it replaces the window.
        let half = Int64(TraceState.pageSize / 2)
        let range = max(1, seq - half)...(seq + half)
        trace.following = false
        trace.jumpTo = seq
        trace.pendingPage = range
        effects.append(.loadTrace(jobID: jobID, seq: range))
    }

    // MARK: - Timeline

    mutating func syncTimelineCursor() {
        timeline.cursorTime = trace.cursorRecord?.time
    }

    /// Moves the timeline's cursor, and the trace's to the last record at or before it.
    mutating func moveTimelineCursor(by columns: Int, _ effects: inout [CockpitEffect]) {
        let base = timeline.cursorTime ?? now
        let time = base.addingTimeInterval(Double(columns) * timeline.secondsPerColumn)
        let source = trace.source
        if let row = trace.rows.lastIndex(where: { source[$0].time <= time }) ?? (trace.rows.isEmpty ? nil : 0) {
            trace.following = false
            trace.cursor = row
            centreTraceCursor()
            requestPageIfNeeded(&effects)
        }
        timeline.cursorTime = time
    }
}
