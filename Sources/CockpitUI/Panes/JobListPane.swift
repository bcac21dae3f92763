import FlightdeckCore
import Foundation

/// The job list: status glyph and colour, name, phase, age or duration, retries, the model
/// tokens and their cost (once any job reported tokens, where the width allows), node, and
/// why a Pending or Failed job is stuck — or that a job went over its task's budget, marked
/// `!` before its status. Deleted jobs stay, dimmed.
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
        let over = state.usage.byJob.values.reduce(0) { $0 + ($1.isOverBudget ? 1 : 0) }
        if over > 0 { title += " \(over) over budget" }
        let body = grid.frame(area, title: title, focused: focused, theme: theme, glyphs: glyphs)
        guard !body.isEmpty else { return }

        let columns = Columns(width: body.width, usage: !state.usage.isEmpty)
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
        let usage = state.usage[job.id]
        // In the mark's column, which a job marked for the interleaved trace keeps (its
        // TOKENS, COST and reason still say it).
        if let usage, usage.isOverBudget, !state.jobs.marked.contains(job.id) {
            cell(glyphs.overBudget, (0, 1), over(.jobListOverBudget))
        }
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
        cell(usage?.tokensText ?? "-", columns.tokens, usage?.tokensOverBudget == true ? over(.jobListOverBudget) : rowStyle)
        cell(usage?.costText(ascii: glyphs.isASCII) ?? "-", columns.cost, usage?.costOverBudget == true ? over(.jobListOverBudget) : rowStyle)
        var why = queued ? Self.queueReason(job)
            : (job.status == .pending || job.status == .failed || job.status == .suspended) ? job.pendingReason : nil
        var whySlot = ThemeSlot.jobListReason
        if why == nil, let usage, let reason = usage.overBudgetReason(ascii: glyphs.isASCII) {
            // Why a job stopped or waits says more; otherwise being over budget is the news,
            // said shorter where the whole sentence would not fit ("over 120k/100k tokens").
            let room = columns.reason.width > 0 ? columns.reason.width : columns.node.width
            why = TextLayout.width(reason) <= room ? reason : usage.overBudgetReason(ascii: glyphs.isASCII, short: true)
            whySlot = .jobListOverBudget
        }
        if queued, job.node == nil, let why, columns.reason.width > 0 {
            // Not on a node yet: why it waits takes the node column too.
            cell(safe(why), (columns.node.x, columns.node.width + 1 + columns.reason.width), over(whySlot))
        } else if columns.reason.width > 0 {
            cell(safe(job.node ?? "-"), columns.node, rowStyle)
            if let why { cell(safe(why), columns.reason, over(whySlot)) }
        } else if let why {
            cell(safe(why), columns.node, over(whySlot))
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
    ///
    /// `usage` (some job reported tokens) makes room for TOKENS and COST after RETRY when the
    /// name keeps 16 columns (a narrow pane) or the reason 12 (a wide one, where the name gives
    /// some first); COST goes first when both do not fit, then TOKENS. Without `usage` the
    /// columns are as they always were.
    struct Columns {
        var name: (x: Int, width: Int)
        var phase: (x: Int, width: Int) = (0, 0)
        var age: (x: Int, width: Int) = (0, 0)
        var retries: (x: Int, width: Int) = (0, 0)
        var tokens: (x: Int, width: Int) = (0, 0)
        var cost: (x: Int, width: Int) = (0, 0)
        var node: (x: Int, width: Int) = (0, 0)
        var reason: (x: Int, width: Int) = (0, 0)
        var header: String

        /// TOKENS' width (`999.9k`), and COST's (`€123.45`); each has a space after it.
        static let tokensWidth = 6
        static let costWidth = 7

        init(width: Int, usage: Bool = false) {
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
            let both = Self.tokensWidth + 1 + Self.costWidth + 1
            let choices = usage ? [(true, true, both), (true, false, Self.tokensWidth + 1), (false, false, 0)] : [(false, false, 0)]
            var plan = Self.widths(available: available, extra: 0, wide: wide)
            var shown = (tokens: false, cost: false)
            for (tokens, cost, extra) in choices {
                let widths = Self.widths(available: available, extra: extra, wide: wide)
                if extra == 0 || (wide ? widths.reason >= 12 : widths.name >= 16) {
                    plan = widths
                    shown = (tokens, cost)
                    break
                }
            }
            name = (prefix, plan.name)
            phase = (name.x + plan.name + 1, 10)
            age = (phase.x + 11, 6)
            retries = (age.x + 7, 5)
            var x = retries.x + 6
            if shown.tokens {
                tokens = (x, Self.tokensWidth)
                x += Self.tokensWidth + 1
            }
            if shown.cost {
                cost = (x, Self.costWidth)
                x += Self.costWidth + 1
            }
            node = (x, plan.node)
            reason = wide ? (node.x + plan.node + 1, plan.reason) : (0, 0)
            var text = TextLayout.pad("   NAME", to: phase.x) + TextLayout.pad("PHASE", to: 11) + TextLayout.pad("AGE", to: 7)
            text += TextLayout.pad("RETRY", to: 6)
            if shown.tokens { text += TextLayout.pad("TOKENS", to: Self.tokensWidth + 1) }
            if shown.cost { text += TextLayout.pad("COST", to: Self.costWidth + 1) }
            text += wide ? TextLayout.pad("NODE", to: plan.node + 1) + "WHY" : "NODE / WHY"
            header = text
        }

        /// Name, node and reason widths when `extra` columns go to TOKENS and COST. The name is
        /// sized as without them, then gives up to the reason's 12 in a wide pane.
        private static func widths(available: Int, extra: Int, wide: Bool) -> (name: Int, node: Int, reason: Int) {
            let rest = available - extra
            guard wide else {
                let node = min(24, max(8, rest / 3))
                return (max(8, rest - node - 1), node, 0)
            }
            let node = 12
            var name = max(12, (available - node - 2) * 45 / 100)
            var reason = max(0, rest - node - name - 2)
            if reason < 12 {
                let given = max(0, min(name - 12, 12 - reason))
                name -= given
                reason = max(0, rest - node - name - 2)
            }
            return (name, node, reason)
        }
    }
}
