/// Drawing helpers the panes share: framed boxes, styled segments with search highlights.
extension CellGrid {
    /// Draws a border with a title (and an optional footer on the bottom edge) and returns
    /// the interior; a rect too small for a border is returned whole, unframed.
    @discardableResult
    mutating func frame(
        _ rect: Rect, title: String, focused: Bool, theme: Theme, glyphs: GlyphSet,
        footer: [Segment] = [], footerRight: [Segment] = []
    ) -> Rect {
        fill(rect, style: theme.style(.base))
        guard Layout.hasBorder(rect) else { return rect }
        let border = theme.style(focused ? .borderFocused : .border)
        let inner = rect.width - 2
        let line = String(repeating: glyphs.horizontal, count: inner)
        put(glyphs.topLeft + line + glyphs.topRight, x: rect.x, y: rect.y, style: border)
        put(glyphs.bottomLeft + line + glyphs.bottomRight, x: rect.x, y: rect.maxY - 1, style: border)
        for y in (rect.y + 1)..<(rect.maxY - 1) {
            put(glyphs.vertical, x: rect.x, y: y, style: border)
            put(glyphs.vertical, x: rect.maxX - 1, y: y, style: border)
        }
        let edge = Rect(x: rect.x + 1, y: rect.y, width: inner, height: rect.height)
        let titleText = TextLayout.truncate(" \(title) ", to: max(0, inner - 2), ellipsis: glyphs.ellipsis)
        put(titleText, x: rect.x + 2, y: rect.y, style: theme.style(focused ? .paneTitleFocused : .paneTitle), clip: edge)
        if !footerRight.isEmpty {
            let width = footerRight.reduce(0) { $0 + DisplayWidth.of($1.text) }
            draw(footerRight, x: max(rect.x + 1, rect.maxX - 2 - width), y: rect.maxY - 1, clip: edge, theme: theme)
        }
        if !footer.isEmpty { draw(footer, x: rect.x + 2, y: rect.maxY - 1, clip: edge, theme: theme) }
        return rect.inset(by: 1)
    }

    /// Draws segments left to right from `x`; returns the column after the last.
    @discardableResult
    mutating func draw(_ segments: [Segment], x: Int, y: Int, clip: Rect, theme: Theme, over base: Style? = nil) -> Int {
        var column = x
        for segment in segments {
            var style = theme.style(segment.slot)
            if let base { style.background = base.background; style.attributes.formUnion(base.attributes) }
            column = put(segment.text, x: column, y: y, style: style, clip: clip)
            if column >= clip.maxX { break }
        }
        return column
    }

    /// Restyles the cells of row `y` (from `x`, within `clip`) where `text` matches `query`,
    /// case-insensitively: the search highlight.
    mutating func highlight(_ query: String, in text: String, x: Int, y: Int, clip: Rect, style: Style) {
        guard !query.isEmpty else { return }
        let needle = query.map { $0.lowercased() }
        let characters = Array(text)
        guard characters.count >= needle.count else { return }
        var columns: [Int] = []
        columns.reserveCapacity(characters.count + 1)
        var column = x
        for character in characters {
            columns.append(column)
            column += DisplayWidth.of(character)
        }
        columns.append(column)
        var index = 0
        while index + needle.count <= characters.count {
            var found = true
            for offset in 0..<needle.count where characters[index + offset].lowercased() != needle[offset] {
                found = false
                break
            }
            if found {
                let start = columns[index], end = columns[index + needle.count]
                restyle(Rect(x: start, y: y, width: end - start, height: 1).intersection(clip)) { _ in style }
                index += needle.count
            } else {
                index += 1
            }
        }
    }
}
