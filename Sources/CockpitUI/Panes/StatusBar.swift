import FlightdeckCore
import Foundation

/// The bottom line: context and cluster, API and NATS links (with a reconnect countdown from
/// the last tick), the history store's failure while it lasts, the read-only badge, the
/// selected job's tokens and cost (against its budget, marked when over it; left out when the
/// help and quit hints would not fit beside it), then a flash message or the key hints for the
/// focused pane and the selected job's state. Prompts (`:`, `/`) take the line over.
struct StatusBar {
    let state: CockpitState
    let theme: Theme
    let glyphs: GlyphSet

    func render(into grid: inout CellGrid, area: Rect) {
        guard !area.isEmpty else { return }
        grid.fill(area, style: theme.style(.statusBarBase))
        if let prompt = prompt() {
            let style = theme.style(.commandLine)
            grid.fill(area, style: style)
            let end = grid.put(AgentText.displayable(prompt, ascii: glyphs.isASCII), x: area.x, y: area.y, style: style, clip: area)
            grid.restyle(Rect(x: min(end, area.maxX - 1), y: area.y, width: 1, height: 1)) { $0.adding(.reverse) }
            return
        }
        var segments: [Segment] = []
        let context = state.context.map { c in state.cluster.map { "\(c) (\($0))" } ?? c } ?? "no context"
        segments.append(Segment(text: " \(AgentText.displayable(context, ascii: glyphs.isASCII)) ", slot: .statusBarContext))
        segments.append(link("API", state.connection.api))
        segments.append(link("NATS", state.connection.nats))
        if let failure = state.connection.storeFailure {
            let why = TextLayout.truncate(AgentText.displayable(failure, ascii: glyphs.isASCII), to: 40, ellipsis: glyphs.ellipsis)
            segments.append(Segment(text: " \(glyphs.down) HISTORY not writing: \(why) ", slot: .statusBarDown))
        }
        if state.readOnly { segments.append(Segment(text: " READ-ONLY ", slot: .statusBarReadOnly)) }
        let usage = usage()
        if !usage.isEmpty {
            // The global hints (help, quit) stay on the line; the usage says less, or nothing, for them.
            let room = area.width - segments.reduce(0) { $0 + TextLayout.width($1.text) } - 1 - TextLayout.width(hints(fitting: 0))
            if let fitting = usage.first(where: { TextLayout.width($0.text) <= room }) { segments.append(fitting) }
        }
        if let flash = state.flash {
            segments.append(Segment(text: " " + AgentText.displayable(flash.text, ascii: glyphs.isASCII),
                                    slot: flash.isError ? .statusBarError : .statusBarMessage))
        } else {
            let used = segments.reduce(0) { $0 + TextLayout.width($1.text) }
            segments.append(Segment(text: " " + hints(fitting: area.width - used - 1), slot: .statusBarHint))
        }
        let end = grid.draw(segments, x: area.x, y: area.y, clip: area, theme: theme)
        if end > area.maxX { grid.put(glyphs.ellipsis, x: area.maxX - 1, y: area.y, style: theme.style(.statusBarHint)) }
    }

    /// The selected job's tokens and cost, the longest first: "12.3k tokens €0.42", then
    /// "12.3k tokens"; over its budget "! over budget: 120k/100k tokens €0.42", then just what
    /// is over ("! over budget: 120k/100k tokens"). None when it reported no tokens.
    func usage() -> [Segment] {
        guard let id = state.jobs.selectedID, let usage = state.usage[id] else { return [] }
        let ascii = glyphs.isASCII
        if usage.isOverBudget, let reason = usage.overBudgetReason(ascii: ascii) {
            let over = " \(glyphs.overBudget) over budget: "
            return [Segment(text: over + usage.summary(ascii: ascii) + " ", slot: .statusBarOverBudget),
                Segment(text: " \(glyphs.overBudget) \(reason) ", slot: .statusBarOverBudget)]
        }
        return [Segment(text: " \(usage.summary(ascii: ascii)) ", slot: .statusBarUsage),
            Segment(text: " \(usage.tokensText) tokens ", slot: .statusBarUsage)]
    }

    private func prompt() -> String? {
        switch state.overlay {
        case .commandLine(let text): ":" + text
        case .search(let text): "/" + text
        case .jobFilter(let text): "filter jobs: " + text
        default: nil
        }
    }

    private func link(_ name: String, _ link: LinkState) -> Segment {
        switch link {
        case .connected:
            return Segment(text: " \(glyphs.connected) \(name) ", slot: .statusBarConnected)
        case .reconnecting(let retryAt):
            let seconds = max(0, Int(retryAt.timeIntervalSince(state.now).rounded(.up)))
            return Segment(text: " \(glyphs.reconnecting) \(name) retry in \(seconds)s ", slot: .statusBarReconnecting)
        case .down(let reason):
            let why = TextLayout.truncate(AgentText.displayable(reason, ascii: glyphs.isASCII), to: 30, ellipsis: glyphs.ellipsis)
            return Segment(text: " \(glyphs.down) \(name) down: \(why) ", slot: .statusBarDown)
        case .notConfigured:
            return Segment(text: " \(name) off ", slot: .statusBarHint)
        }
    }

    /// The keymap's hinted bindings for where the keys go now, only those that make sense
    /// for the selected job (no "retry" on a running one, no "steer" when read-only).
    ///
    /// Within `width` columns the global ones (help, quit) always stay, the pane's own are
    /// dropped from the least important end.
    func hints(fitting width: Int = .max) -> String {
        let context = state.keyContext
        switch context {
        case .prompt: return "Enter ok  Esc cancel"
        case .confirm: return "y yes  n no"
        case .taskForm: return "Tab next field  Enter submit  Esc cancel"
        case .help: return "Esc close  j/k scroll"
        case .picker: return "j/k choose  Enter move  Esc cancel"
        case .global, .jobs, .trace, .timeline, .files: break
        }
        // The pane's own first, then the global ones (help, quit).
        var seen = Set<String>()
        var own: [String] = []
        var global: [String] = []
        for wanted in [context, .global] {
            for binding in Keymap.bindings where binding.context == wanted {
                guard let hint = binding.hint, !seen.contains(hint), state.isAvailable(binding.action) else { continue }
                seen.insert(hint)
                if wanted == .global { global.append("\(binding.key.label) \(hint)") } else { own.append("\(binding.key.label) \(hint)") }
            }
        }
        // Widths added up once, not re-measured per dropped hint.
        var total = (own + global).reduce(0) { $0 + TextLayout.width($1) } + 2 * max(0, own.count + global.count - 1)
        while !own.isEmpty, total > width { total -= TextLayout.width(own.removeLast()) + 2 }
        return (own + global).joined(separator: "  ")
    }
}
