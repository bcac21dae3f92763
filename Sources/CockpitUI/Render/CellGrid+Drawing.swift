/// Drawing helpers the panes share: framed boxes, styled segments with search highlights.
extension CellGrid {
    /// Draws a border with a title (and an optional footer on the bottom edge) and returns
    /// the interior; a rect too small for a border is returned whole, unframed.
    @discardableResult
    mutating func frame(
        _ rect: Rect, title: String, focused: Bool, theme: Theme, glyphs: GlyphSet,
        footer: [Segment] = [], footerRight: [Segment] = []
    ) -> Rect {
        // The frame starts filled with `base` and panes do not overlap: no fill needed here.
        guard Layout.hasBorder(rect) else { return rect }
        let border = theme.style(focused ? .borderFocused : .border)
        let inner = rect.width - 2
        box(rect, style: border, glyphs: glyphs)
        let edge = Rect(x: rect.x + 1, y: rect.y, width: inner, height: rect.height)
        let titleText = TextLayout.truncate(" \(title) ", to: max(0, inner - 2), ellipsis: glyphs.ellipsis)
        put(titleText, x: rect.x + 2, y: rect.y, style: theme.style(focused ? .paneTitleFocused : .paneTitle), clip: edge)
        if !footerRight.isEmpty {
            let width = footerRight.reduce(0) { $0 + TextLayout.width($1.text) }
            draw(footerRight, x: max(rect.x + 1, rect.maxX - 2 - width), y: rect.maxY - 1, clip: edge, theme: theme)
        }
        if !footer.isEmpty { draw(footer, x: rect.x + 2, y: rect.maxY - 1, clip: edge, theme: theme) }
        return rect.inset(by: 1)
    }

    /// The four edges of `rect` in box-drawing glyphs (each one column wide), cell by cell.
    mutating func box(_ rect: Rect, style: Style, glyphs: GlyphSet) {
        guard rect.width >= 2, rect.height >= 2 else { return }
        let (top, bottom) = (rect.y, rect.maxY - 1)
        putNarrow(glyphs.topLeft, x: rect.x, y: top, style: style)
        putNarrow(glyphs.topRight, x: rect.maxX - 1, y: top, style: style)
        putNarrow(glyphs.bottomLeft, x: rect.x, y: bottom, style: style)
        putNarrow(glyphs.bottomRight, x: rect.maxX - 1, y: bottom, style: style)
        let horizontal = Cell.code(for: glyphs.horizontal), vertical = Cell.code(for: glyphs.vertical)
        for x in (rect.x + 1)..<(rect.maxX - 1) {
            putNarrow(code: horizontal, x: x, y: top, style: style)
            putNarrow(code: horizontal, x: x, y: bottom, style: style)
        }
        for y in (top + 1)..<bottom {
            putNarrow(code: vertical, x: rect.x, y: y, style: style)
            putNarrow(code: vertical, x: rect.maxX - 1, y: y, style: style)
        }
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

    /// Puts a one-column glyph in one cell: the swimlanes' thousands of fills, without going
    /// through `put`'s grapheme walk. Falls back to `put` where a wide glyph would be cut.
    mutating func putNarrow(_ glyph: String, x: Int, y: Int, style: Style) {
        putNarrow(code: Cell.code(for: glyph), x: x, y: y, style: style)
    }

    /// One-column cells along row `y` from column `x` (`nil` leaves a cell as it is): the
    /// timeline's lanes, written in one pass over the row.
    mutating func putNarrowRun(_ run: [Cell?], x: Int, y: Int) {
        guard y >= 0, y < height else { return }
        let width = self.width
        let clean: Bool = withCells { cells in
            // Any wide glyph where the run writes would need repairs: take the careful path.
            for (offset, cell) in run.enumerated() where cell != nil {
                let column = x + offset
                guard column >= 0, column < width else { continue }
                if cells[y * width + column].width != 1 { return false }
                if column + 1 < width, cells[y * width + column + 1].isContinuation { return false }
            }
            for (offset, cell) in run.enumerated() {
                guard let cell, x + offset >= 0, x + offset < width else { continue }
                cells[y * width + x + offset] = cell
            }
            return true
        }
        if clean { return }
        for (offset, cell) in run.enumerated() {
            if let cell { putNarrow(code: cell.code, x: x + offset, y: y, style: cell.style) }
        }
    }

    /// `putNarrow` for a glyph already coded (`Cell.code(for:)`), for loops over columns.
    mutating func putNarrow(code: UInt32, x: Int, y: Int, style: Style) {
        guard x >= 0, y >= 0, x < width, y < height else { return }
        let old = self[x, y]
        guard old.width == 1, x + 1 >= width || !self[x + 1, y].isContinuation else {
            put(Cell(code: code).text, x: x, y: y, style: style)
            return
        }
        self[x, y] = Cell(code: code, width: 1, style: style)
    }
}
