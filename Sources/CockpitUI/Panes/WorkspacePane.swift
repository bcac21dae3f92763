import FlightdeckCore
import Foundation

/// The selected job's workspace: the tree with sizes and ages, where it came from (a stale
/// mark when rebuilt from old events), the checkpoint database, and a preview of the file.
struct WorkspacePane {
    let state: CockpitState
    let theme: Theme
    let glyphs: GlyphSet

    /// Rows the tree gets in a body of this size (the rest goes to the preview).
    static func treeRows(in body: Rect) -> Int {
        guard body.height > 1 else { return 0 }
        let split = body.width >= 90
        let rows = body.height - 1
        return split ? rows : max(1, (rows + 1) / 2)
    }

    func render(into grid: inout CellGrid, area: Rect, focused: Bool) {
        let workspace = state.workspace
        let body = grid.frame(area, title: title(), focused: focused, theme: theme, glyphs: glyphs)
        guard !body.isEmpty else { return }
        guard let listing = workspace.listing else {
            let text = workspace.jobID == nil ? "no job selected" : "listing the workspace\(glyphs.ellipsis)"
            grid.put(text, x: body.x + 1, y: body.y, style: theme.style(.filesMeta), clip: body)
            return
        }
        grid.draw(summary(listing), x: body.x, y: body.y, clip: body, theme: theme)
        guard body.height > 1 else { return }
        let rows = Self.treeRows(in: body)
        let split = body.width >= 90
        let treeWidth = split ? body.width * 45 / 100 : body.width
        let tree = Rect(x: body.x, y: body.y + 1, width: treeWidth, height: rows)
        let previewArea = split
            ? Rect(x: body.x + treeWidth + 1, y: body.y + 1, width: body.width - treeWidth - 1, height: body.height - 1)
            : Rect(x: body.x, y: tree.maxY, width: body.width, height: body.height - 1 - rows)
        drawTree(into: &grid, area: tree)
        drawPreview(into: &grid, area: previewArea)
    }

    private func title() -> String {
        guard let entry = state.workspace.selectedEntry else { return "Files" }
        return "Files \(glyphs.separator) \(AgentText.displayable(entry.path, ascii: glyphs.isASCII))"
    }

    private func summary(_ listing: WorkspaceListing) -> [Segment] {
        var segments: [Segment] = []
        switch listing.source {
        case .volume:
            segments.append(Segment(text: "volume", slot: .filesMeta))
        case .events(let asOf):
            let age = state.now.timeIntervalSince(asOf)
            if age > WorkspaceState.staleAfter {
                segments.append(Segment(text: "STALE", slot: .filesStale))
                segments.append(Segment(text: " from events \(DurationText.short(age)) ago", slot: .filesMeta))
            } else {
                segments.append(Segment(text: "from events \(DurationText.short(age)) ago", slot: .filesMeta))
            }
        case .nothingSeen:
            segments.append(Segment(text: "no files seen yet", slot: .filesMeta))
        }
        segments.append(Segment(text: " \(glyphs.separator) \(listing.entries.count) entries", slot: .filesMeta))
        if let checkpoint = listing.checkpoint {
            var text = " \(glyphs.separator) checkpoint \(DurationText.bytes(checkpoint.size))"
            if let modified = checkpoint.modified { text += ", \(DurationText.short(state.now.timeIntervalSince(modified))) old" }
            segments.append(Segment(text: text, slot: .filesMeta))
        }
        return segments
    }

    /// The clock-dependent texts of the summary line (`FrameCache` compares them).
    static func summaryAges(_ listing: WorkspaceListing?, now: Date) -> [String] {
        guard let listing else { return [] }
        var ages: [String] = []
        if case .events(let asOf) = listing.source {
            let age = now.timeIntervalSince(asOf)
            ages.append(DurationText.short(age) + (age > WorkspaceState.staleAfter ? " stale" : ""))
        }
        if let modified = listing.checkpoint?.modified { ages.append(DurationText.short(now.timeIntervalSince(modified))) }
        return ages
    }

    private func drawTree(into grid: inout CellGrid, area: Rect) {
        let workspace = state.workspace
        guard !area.isEmpty else { return }
        if workspace.entries.isEmpty {
            grid.put("(empty)", x: area.x + 1, y: area.y, style: theme.style(.filesMeta), clip: area)
            return
        }
        var top = min(workspace.top, max(0, workspace.entries.count - area.height))
        if workspace.cursor < top { top = workspace.cursor }
        if workspace.cursor >= top + area.height { top = workspace.cursor - area.height + 1 }
        let metaWidth = area.width >= 40 ? 16 : 0
        for (offset, entry) in workspace.entries[top..<min(workspace.entries.count, top + area.height)].enumerated() {
            let y = area.y + offset
            let selected = top + offset == workspace.cursor
            let line = Rect(x: area.x, y: y, width: area.width, height: 1)
            let base = theme.style(selected ? .filesSelected : .base)
            if selected { grid.fill(line, style: base) }  // the rest is base already
            let indent = String(repeating: " ", count: min(entry.depth * 2, area.width / 2))
            let directory = entry.kind == .directory
            let name = AgentText.displayable(entry.name, ascii: glyphs.isASCII) + (directory ? "/" : "")
            let nameWidth = max(0, area.width - metaWidth - indent.count)
            var style = theme.style(directory ? .filesDirectory : .filesFile)
            if selected { style.background = base.background; style.attributes.formUnion(base.attributes) }
            grid.put(indent + TextLayout.truncate(name, to: nameWidth, ellipsis: glyphs.ellipsis), x: area.x, y: y, style: style,
                     clip: Rect(x: area.x, y: y, width: area.width - metaWidth, height: 1))
            if metaWidth > 0 {
                var meta = directory ? "" : DurationText.bytes(entry.size)
                if let modified = entry.modified { meta += " " + DurationText.short(state.now.timeIntervalSince(modified)) }
                var metaStyle = theme.style(.filesMeta)
                if selected { metaStyle.background = base.background }
                let text = TextLayout.truncate(meta, to: metaWidth, ellipsis: glyphs.ellipsis)
                grid.put(text, x: area.maxX - TextLayout.width(text), y: y, style: metaStyle, clip: line)
            }
        }
    }

    private func drawPreview(into grid: inout CellGrid, area: Rect) {
        guard !area.isEmpty else { return }
        let style = theme.style(.filesPreview)
        grid.fill(area, style: style)
        guard let preview = state.workspace.preview, preview.path == state.workspace.selectedEntry?.path else {
            let hint = state.workspace.selectedEntry?.kind == .file ? "Enter previews the file" : ""
            grid.put(hint, x: area.x + 1, y: area.y, style: theme.style(.filesMeta), clip: area)
            return
        }
        var y = area.y
        for line in preview.lines where y < area.maxY {
            let text = glyphs.isASCII ? AgentText.transliterated(line) : line
            grid.put(TextLayout.truncate(text, to: area.width - 1, ellipsis: glyphs.ellipsis), x: area.x + 1, y: y, style: style, clip: area)
            y += 1
        }
        if preview.truncated, y < area.maxY {
            grid.put("\(glyphs.folded) (preview cut)", x: area.x + 1, y: y, style: theme.style(.filesMeta), clip: area)
        } else if preview.truncated {
            grid.put("\(glyphs.folded) (cut)", x: area.x + 1, y: area.maxY - 1, style: theme.style(.filesMeta), clip: area)
        }
    }
}
