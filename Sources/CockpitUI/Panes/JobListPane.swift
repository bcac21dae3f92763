import FlightdeckCore
import Foundation

/// The job list: status glyph and colour, name, phase, age or duration, retries, node, and
/// why a Pending or Failed job is stuck. Deleted jobs stay, dimmed.
struct JobListPane {
    let state: CockpitState
    let theme: Theme
    let glyphs: GlyphSet

    func render(into grid: inout CellGrid, area: Rect, focused: Bool) {
        let jobs = state.jobs
        // While only the first page of a long history is here, the count is of them all.
        let shown = jobs.pendingTotal != nil && jobs.visible.count == jobs.all.count ? jobs.total : jobs.visible.count
        var title = "Jobs \(shown)"
        if shown != jobs.total { title += "/\(jobs.total)" }
        title += " by \(jobs.sort.rawValue)\(jobs.descending ? "-" : "+")"
        if jobs.statusFilter != .all { title += " [\(jobs.statusFilter.rawValue)]" }
        if !jobs.textFilter.isEmpty { title += " /\(AgentText.displayable(jobs.textFilter, ascii: glyphs.isASCII))" }
        if !jobs.marked.isEmpty { title += " \(jobs.marked.count) marked" }
        if jobs.queuedCount > 0 { title += " \(jobs.queuedCount) queued" }
        let body = grid.frame(area, title: title, focused: focused, theme: theme, glyphs: glyphs)
        guard !body.isEmpty else { return }

        let columns = Columns(width: body.width)
        grid.put(columns.header, x: body.x, y: body.y, style: theme.style(.jobListHeader), clip: body)
        let rows = body.height - 1
        guard rows > 0 else { return }
        if jobs.visible.isEmpty {
            let text = jobs.all.isEmpty ? "no jobs yet" : "no job matches the filter (Esc clears it)"
            grid.put(text, x: body.x + 1, y: body.y + 1, style: theme.style(.jobListReason), clip: body)
            return
        }
        let selected = jobs.selectedIndex
        var top = min(jobs.top, max(0, jobs.visible.count - rows))
        if let selected {
            if selected < top { top = selected }
            if selected >= top + rows { top = selected - rows + 1 }
        }
        for (offset, job) in jobs.visible[top..<min(jobs.visible.count, top + rows)].enumerated() {
            let y = body.y + 1 + offset
            row(job, y: y, body: body, columns: columns, isSelected: top + offset == selected, into: &grid)
        }
    }

    private func row(_ job: AgentJob, y: Int, body: Rect, columns: Columns, isSelected: Bool, into grid: inout CellGrid) {
        let gone = job.deletedAt != nil || job.status == .deleted
        let rowStyle = theme.style(isSelected ? .jobListSelected : gone ? .jobListDeleted : .jobListRow)
        let line = Rect(x: body.x, y: y, width: body.width, height: 1)
        if rowStyle != theme.style(.base) { grid.fill(line, style: rowStyle) }  // the frame starts as base
        func over(_ slot: ThemeSlot) -> Style {
            var style = theme.style(slot)
            if isSelected { style.background = rowStyle.background; style.attributes.formUnion(rowStyle.attributes) }
            if gone { style.attributes.insert(.dim) }
            return style
        }
        func cell(_ text: String, _ column: (x: Int, width: Int), _ style: Style) {
            guard column.width > 0 else { return }
            let clip = Rect(x: body.x + column.x, y: y, width: column.width, height: 1).intersection(body)
            grid.put(TextLayout.truncate(text, to: column.width, ellipsis: glyphs.ellipsis), x: clip.x, y: y, style: style, clip: clip)
        }
        let safe = { (text: String) in AgentText.displayable(text, ascii: self.glyphs.isASCII) }
        if !state.jobs.marked.isEmpty, state.jobs.marked.contains(job.id) { cell(glyphs.mark, (0, 1), over(.jobListMarked)) }
        cell(glyphs.status(job.status), (1, 1), over(statusSlot(job.status)))
        cell(safe(job.name), columns.name, rowStyle)
        let queued = job.status == .queued && !gone
        if queued {
            cell(Self.place(job), columns.phase, over(.jobListStatusQueued))
        } else {
            cell(safe(job.phase?.rawValue ?? "-"), columns.phase, rowStyle)
        }
        cell(age(job), columns.age, rowStyle)
        cell(job.backoffLimit.map { "\(job.retries)/\($0)" } ?? "\(job.retries)", columns.retries, rowStyle)
        let why = queued ? Self.queueReason(job)
            : (job.status == .pending || job.status == .failed || job.status == .suspended) ? job.pendingReason : nil
        if queued, job.node == nil, let why, columns.reason.width > 0 {
            // Not on a node yet: why it waits takes the node column too.
            cell(safe(why), (columns.node.x, columns.node.width + 1 + columns.reason.width), over(.jobListReason))
        } else if columns.reason.width > 0 {
            cell(safe(job.node ?? "-"), columns.node, rowStyle)
            if let why { cell(safe(why), columns.reason, over(.jobListReason)) }
        } else if let why {
            cell(safe(why), columns.node, over(.jobListReason))
        } else {
            cell(safe(job.node ?? "-"), columns.node, rowStyle)
        }
    }

    private func statusSlot(_ status: JobStatus) -> ThemeSlot {
        switch status {
        case .pending: .jobListStatusPending
        case .suspended: .jobListStatusSuspended
        case .queued: .jobListStatusQueued
        case .running: .jobListStatusRunning
        case .succeeded: .jobListStatusSucceeded
        case .failed: .jobListStatusFailed
        case .deleted: .jobListStatusDeleted
        }
    }

    /// A queued job's place in line and priority, in the phase column (it has no phase yet):
    /// "#2 high".
    static func place(_ job: AgentJob) -> String {
        let priority = (job.priority ?? .normal).rawValue
        return job.queuePosition.map { "#\($0) \(priority)" } ?? priority
    }

    /// Why a queued job waits, after its queue's name: "homelab: 1/1 running", "homelab:
    /// nothing admits it: …". The reconciler's "queue homelab: " and "next in queue homelab,
    /// but " are said shorter (the place column says it is next): the column is narrow.
    static func queueReason(_ job: AgentJob) -> String? {
        guard let queue = job.queue else { return job.pendingReason }
        guard var reason = job.pendingReason, !reason.isEmpty else { return queue }
        if reason == "next in queue \(queue)" { return "\(queue): next" }
        for prefix in ["queue \(queue): ", "next in queue \(queue), but ", "next in queue \(queue): "]
        where reason.hasPrefix(prefix) {
            reason.removeFirst(prefix.count)
            break
        }
        return "\(queue): \(reason)"
    }

    /// Running or finished: how long it ran; not started: how long it has waited.
    private func age(_ job: AgentJob) -> String { Self.age(job, now: state.now) }

    static func age(_ job: AgentJob, now: Date) -> String {
        if let duration = job.duration(now: now) { return DurationText.short(duration) }
        if let created = job.createdAt { return DurationText.short(now.timeIntervalSince(created)) }
        return "-"
    }

    /// Column offsets (from the body's left edge) and widths for a body this wide.
    struct Columns {
        var name: (x: Int, width: Int)
        var phase: (x: Int, width: Int) = (0, 0)
        var age: (x: Int, width: Int) = (0, 0)
        var retries: (x: Int, width: Int) = (0, 0)
        var node: (x: Int, width: Int) = (0, 0)
        var reason: (x: Int, width: Int) = (0, 0)
        var header: String

        init(width: Int) {
            let prefix = 3
            if width < 36 {
                name = (prefix, max(0, width - prefix - 6))
                age = (name.x + name.width + 1, 5)
                header = TextLayout.pad("   NAME", to: age.x) + "AGE"
                return
            }
            let fixed = 11 + 7 + 6
            let available = width - prefix - fixed
            let wide = width >= 80
            let nodeWidth = wide ? 12 : min(24, max(8, available / 3))
            let nameWidth = wide ? max(12, (available - nodeWidth - 2) * 45 / 100) : max(8, available - nodeWidth - 1)
            let reasonWidth = wide ? max(0, available - nodeWidth - nameWidth - 2) : 0
            name = (prefix, nameWidth)
            phase = (name.x + nameWidth + 1, 10)
            age = (phase.x + 11, 6)
            retries = (age.x + 7, 5)
            node = (retries.x + 6, nodeWidth)
            reason = wide ? (node.x + nodeWidth + 1, reasonWidth) : (0, 0)
            var text = TextLayout.pad("   NAME", to: phase.x) + TextLayout.pad("PHASE", to: 11) + TextLayout.pad("AGE", to: 7)
            text += TextLayout.pad("RETRY", to: 6) + (wide ? TextLayout.pad("NODE", to: nodeWidth + 1) + "WHY" : "NODE / WHY")
            header = text
        }
    }
}
