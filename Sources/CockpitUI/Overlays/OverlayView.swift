import FlightdeckCore
import Foundation

/// The overlays drawn over the panes: help, the confirmation dialog, the new-task form and
/// the steer prompt (the `:`/`/` prompts live in the status bar).
struct OverlayView {
    let state: CockpitState
    let theme: Theme
    let glyphs: GlyphSet

    func render(into grid: inout CellGrid) {
        switch state.overlay {
        case .help(let scroll): help(scroll: scroll, into: &grid)
        case .confirm(let intent): confirm(intent, into: &grid)
        case .taskForm(let form): taskForm(form, into: &grid)
        case .steer(let job, let text): steer(job: job, text: text, into: &grid)
        case .pickQueue(let job, let queues, let cursor): pickQueue(job: job, queues: queues, cursor: cursor, into: &grid)
        case .none, .commandLine, .search, .jobFilter: break
        }
    }

    /// A centred box of at most `width`×`height`, framed in the dialog style.
    private func dialog(width: Int, height: Int, title: String, into grid: inout CellGrid) -> Rect {
        let bounds = Rect(x: 0, y: 0, width: grid.width, height: max(0, grid.height - 1))
        let w = min(width, bounds.width), h = min(height, bounds.height)
        let rect = Rect(x: (bounds.width - w) / 2, y: (bounds.height - h) / 2, width: w, height: h)
        grid.fill(rect, style: theme.style(.dialogBase))
        guard Layout.hasBorder(rect) else { return rect }
        grid.box(rect, style: theme.style(.dialogBorder), glyphs: glyphs)
        grid.put(TextLayout.truncate(" \(title) ", to: rect.width - 4, ellipsis: glyphs.ellipsis), x: rect.x + 2, y: rect.y,
                 style: theme.style(.dialogTitle), clip: rect)
        return Rect(x: rect.x + 2, y: rect.y + 1, width: rect.width - 4, height: rect.height - 2)
    }

    private func help(scroll: Int, into grid: inout CellGrid) {
        let lines = Keymap.helpLines()
        let body = dialog(width: 84, height: grid.height - 2, title: "Keys (Esc closes)", into: &grid)
        guard !body.isEmpty else { return }
        let start = min(scroll, max(0, lines.count - body.height))
        for (offset, line) in lines.dropFirst(start).prefix(body.height).enumerated() {
            let y = body.y + offset
            if line.isHeading {
                grid.put(line.keys, x: body.x, y: y, style: theme.style(.dialogTitle), clip: body)
            } else {
                grid.put(line.keys, x: body.x + 1, y: y, style: theme.style(.helpKey), clip: body)
                grid.put(line.help, x: body.x + 20, y: y, style: theme.style(.dialogBase), clip: body)
            }
        }
    }

    private func confirm(_ intent: JobIntent, into grid: inout CellGrid) {
        if case .startNow(let job) = intent { return startNow(job, into: &grid) }
        let verb = intent.kind == .delete ? "Delete" : "Cancel"
        let name = AgentText.displayable(intent.jobName, ascii: glyphs.isASCII)
        let body = dialog(width: 60, height: 7, title: "\(verb) job", into: &grid)
        guard !body.isEmpty else { return }
        let question = intent.kind == .delete ? "Delete \(name)? Its history stays in the store." : "Cancel the agent of \(name)?"
        grid.put(question, x: body.x, y: body.y, style: theme.style(.dialogDanger), clip: body)
        grid.put("This cannot be undone.", x: body.x, y: body.y + 1, style: theme.style(.dialogBase), clip: body)
        grid.put("[y] yes   [n] no", x: body.x, y: body.y + 3, style: theme.style(.helpKey), clip: body)
    }

    private func taskForm(_ form: TaskForm, into grid: inout CellGrid) {
        let body = dialog(width: 76, height: 4 + 2 * TaskDraft.Field.allCases.count, title: "New task", into: &grid)
        guard !body.isEmpty else { return }
        var y = body.y
        for field in TaskDraft.Field.allCases where y < body.maxY {
            let focused = field == form.field
            grid.put(field.label, x: body.x, y: y, style: theme.style(focused ? .dialogTitle : .dialogBase), clip: body)
            let box = Rect(x: body.x + 11, y: y, width: body.width - 11, height: 1).intersection(body)
            grid.fill(box, style: theme.style(focused ? .dialogFieldFocused : .dialogField))
            let text = AgentText.displayable(form.draft[field], ascii: glyphs.isASCII)
            // The end of what is typed stays in view.
            let shown = TextLayout.width(text) < box.width ? text : String(text.suffix(max(0, box.width - 1)))
            let end = grid.put(shown, x: box.x, y: y, style: theme.style(focused ? .dialogFieldFocused : .dialogField), clip: box)
            if form.draft[field].isEmpty, let placeholder = placeholder(field) {
                grid.put(placeholder, x: box.x + 1, y: y, style: theme.style(focused ? .dialogFieldFocused : .dialogField).adding(.dim),
                    clip: box)
            }
            if focused { grid.restyle(Rect(x: min(end, box.maxX - 1), y: y, width: 1, height: 1)) { $0.adding(.reverse) } }
            y += 2
        }
        if let error = form.error, y < body.maxY {
            grid.put(AgentText.displayable(error, ascii: glyphs.isASCII), x: body.x, y: y, style: theme.style(.dialogDanger), clip: body)
        }
        grid.put("Tab next field  Enter submit  Esc cancel", x: body.x, y: body.maxY - 1, style: theme.style(.helpKey), clip: body)
    }

    /// "Start agent-x now, ahead of queue homelab (2/2 running)?": the queue's own words
    /// (the job's reason) say what it jumps.
    private func startNow(_ job: String, into grid: inout CellGrid) {
        let safe = { (text: String) in AgentText.displayable(text, ascii: self.glyphs.isASCII) }
        let queued = state.jobs.all.first { $0.name == job }
        let body = dialog(width: 72, height: 7, title: "Start job now", into: &grid)
        guard !body.isEmpty else { return }
        var question = "Start \(safe(job)) now"
        var note = "It starts whatever its queue's limits and quotas say."
        if let queue = queued?.queue {
            question += ", ahead of queue \(safe(queue))"
            if let reason = queued?.pendingReason, reason.hasPrefix("queue \(queue): ") {
                question += " (\(safe(String(reason.dropFirst("queue \(queue): ".count)))))"
            } else if let reason = queued?.pendingReason {
                note = safe(reason)
            }
        }
        grid.put(TextLayout.truncate(question + "?", to: body.width, ellipsis: glyphs.ellipsis), x: body.x, y: body.y,
            style: theme.style(.dialogDanger), clip: body)
        grid.put(TextLayout.truncate(note, to: body.width, ellipsis: glyphs.ellipsis), x: body.x, y: body.y + 1,
            style: theme.style(.dialogBase), clip: body)
        grid.put("[y] yes   [n] no", x: body.x, y: body.y + 3, style: theme.style(.helpKey), clip: body)
    }

    /// The configured queues, the job's own marked, the cursor's highlighted.
    private func pickQueue(job: String, queues: [String], cursor: Int, into grid: inout CellGrid) {
        let current = state.jobs.all.first { $0.name == job }?.queue
        let title = "Move \(AgentText.displayable(job, ascii: glyphs.isASCII)) to queue"
        let body = dialog(width: 50, height: min(grid.height - 2, queues.count + 4), title: title, into: &grid)
        guard !body.isEmpty else { return }
        let rows = max(1, body.height - 2)
        let top = max(0, min(cursor - rows + 1, queues.count - rows))
        for (offset, name) in queues.dropFirst(top).prefix(rows).enumerated() {
            let index = top + offset
            let y = body.y + offset
            let selected = index == cursor
            let line = Rect(x: body.x, y: y, width: body.width, height: 1)
            let style = theme.style(selected ? .dialogFieldFocused : .dialogBase)
            if selected { grid.fill(line, style: style) }
            var text = "\(selected ? glyphs.pointer : " ") \(AgentText.displayable(name, ascii: glyphs.isASCII))"
            if name == current { text += "  (now)" }
            if name == state.queues?.defaultName { text += "  (default)" }
            grid.put(TextLayout.truncate(text, to: body.width, ellipsis: glyphs.ellipsis), x: body.x, y: y, style: style, clip: line)
        }
        grid.put("Enter move  Esc cancel", x: body.x, y: body.maxY - 1, style: theme.style(.helpKey), clip: body)
    }

    /// What an empty field means, where the form knows: the queue's, priority's and budget's
    /// defaults.
    private func placeholder(_ field: TaskDraft.Field) -> String? {
        switch field {
        case .queue:
            guard let queues = state.queues else { return nil }
            let names = queues.names.isEmpty ? "" : " (" + queues.names.joined(separator: ", ") + ")"
            return AgentText.displayable("default: \(queues.defaultName)\(names)", ascii: glyphs.isASCII)
        case .priority: return "default: normal (high, normal, low)"
        case .budgetTokens: return "budget: none (e.g. 2000000; flagged, not stopped)"
        case .budgetCost: return "budget: none (e.g. 2.50, in the prices: currency)"
        default: return nil
        }
    }

    private func steer(job: String, text: String, into grid: inout CellGrid) {
        let body = dialog(width: 70, height: 6, title: "Steer \(AgentText.displayable(job, ascii: glyphs.isASCII))", into: &grid)
        guard !body.isEmpty else { return }
        grid.put("Instruction for the agent:", x: body.x, y: body.y, style: theme.style(.dialogBase), clip: body)
        let box = Rect(x: body.x, y: body.y + 1, width: body.width, height: 1).intersection(body)
        grid.fill(box, style: theme.style(.dialogFieldFocused))
        let safe = AgentText.displayable(text, ascii: glyphs.isASCII)
        let shown = TextLayout.width(safe) < box.width ? safe : String(safe.suffix(max(0, box.width - 1)))
        let end = grid.put(shown, x: box.x, y: box.y, style: theme.style(.dialogFieldFocused), clip: box)
        grid.restyle(Rect(x: min(end, box.maxX - 1), y: box.y, width: 1, height: 1)) { $0.adding(.reverse) }
        if body.height > 3 {
            grid.put("Enter send  Esc cancel", x: body.x, y: body.maxY - 1, style: theme.style(.helpKey), clip: body)
        }
    }
}
