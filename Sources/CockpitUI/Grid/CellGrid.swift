/// A frame: `width` × `height` cells, row-major. Rendering writes a whole frame every time;
/// `FrameDiff` decides what reaches the terminal.
///
/// Writes are clipped to the grid (and to an optional clip rectangle), so a pane can never
/// draw outside its area, and a wide grapheme that does not fit in what is left of a row is
/// replaced by a space rather than split.
public struct CellGrid: Sendable, Hashable {
    public let width: Int
    public let height: Int
    public private(set) var cells: [Cell]

    public init(width: Int, height: Int, fill: Cell = .blank) {
        self.width = max(0, width)
        self.height = max(0, height)
        cells = Array(repeating: fill, count: self.width * self.height)
    }

    public var bounds: Rect { Rect(x: 0, y: 0, width: width, height: height) }

    public subscript(x: Int, y: Int) -> Cell {
        get { cells[y * width + x] }
        set { cells[y * width + x] = newValue }
    }

    /// Paints `area` (clipped) with blanks in `style`.
    public mutating func fill(_ area: Rect, style: Style) {
        let area = area.intersection(bounds)
        guard !area.isEmpty else { return }
        let blank = Cell(code: 0x20, width: 1, style: style)
        for y in area.y..<area.maxY {
            // A wide glyph cut by either edge of the area would leave half a glyph: blank it.
            if area.x > 0, cells[y * width + area.x - 1].width == 2 {
                cells[y * width + area.x - 1] = Cell(text: " ", width: 1, style: cells[y * width + area.x - 1].style)
            }
            if area.maxX < width, cells[y * width + area.maxX].isContinuation {
                cells[y * width + area.maxX] = Cell(text: " ", width: 1, style: cells[y * width + area.maxX].style)
            }
            for x in area.x..<area.maxX { cells[y * width + x] = blank }
        }
    }

    /// Writes `text` from column `x` on row `y`, never past `clip` (the whole grid by
    /// default); returns the column after the last cell written.
    ///
    /// `text` must already be terminal-safe (sanitised); a newline or tab in it is drawn as a
    /// space so that one call never leaves its row.
    @discardableResult
    public mutating func put(_ text: some StringProtocol, x: Int, y: Int, style: Style, clip: Rect? = nil) -> Int {
        let clip = (clip ?? bounds).intersection(bounds)
        guard y >= clip.y, y < clip.maxY else { return x }
        if let end = putPrintableASCII(text, x: x, y: y, style: style, clip: clip) { return end }
        var column = x
        for character in text {
            let ascii = character.asciiValue  // cheaper than comparing Characters
            // A tab or newline is drawn as a space (as documented), not dropped as a control.
            let glyphWidth = ascii == 0x0A || ascii == 0x09 ? 1 : DisplayWidth.of(character)
            if glyphWidth == 0 { continue }
            if column + glyphWidth > clip.maxX {
                // A wide glyph cut by the edge leaves a blank in the last column, not half a glyph.
                if column >= clip.x, column < clip.maxX { set(Cell(text: " ", style: style), x: column, y: y) }
                return clip.maxX
            }
            if column >= clip.x {
                let code = ascii == 0x0A || ascii == 0x09 ? 0x20 : Cell.code(for: character)
                // The continuation first: written after the head, it would "repair" the new
                // head as if it were the old wide glyph it replaces.
                if glyphWidth == 2 { set(Cell(code: 0, width: 0, style: style), x: column + 1, y: y) }
                set(Cell(code: code, width: UInt8(glyphWidth), style: style), x: column, y: y)
            }
            column += glyphWidth
        }
        return column
    }

    /// `put` for text that is all printable ASCII (most of a frame), a byte per cell with no
    /// grapheme breaking or width lookup; `nil` when the text is anything else.
    private mutating func putPrintableASCII(_ text: some StringProtocol, x: Int, y: Int, style: Style, clip: Rect) -> Int? {
        guard AgentText.isPlainASCII(text) else { return nil }
        let utf8 = text.utf8
        let count = utf8.count
        guard count > 0 else { return x }
        let first = max(x, clip.x), end = min(x + count, clip.maxX)
        if first < end {
            let row = y * width
            // Only the ends can cut a wide glyph in half: every cell in between is overwritten.
            if cells[row + first].isContinuation, first > 0, cells[row + first - 1].width == 2 {
                cells[row + first - 1] = Cell(code: 0x20, width: 1, style: cells[row + first - 1].style)
            }
            if cells[row + end - 1].width == 2, end < width, cells[row + end].isContinuation {
                cells[row + end] = Cell(code: 0x20, width: 1, style: cells[row + end].style)
            }
            cells.withUnsafeMutableBufferPointer { cells in
                var column = x
                for byte in utf8 {
                    if column >= end { break }
                    if column >= first { cells[row + column] = Cell(code: UInt32(byte), width: 1, style: style) }
                    column += 1
                }
            }
        }
        return x + count > clip.maxX ? clip.maxX : x + count
    }

    /// The cells in place, for drawing loops that check and write many at once.
    mutating func withCells<Result>(_ body: (inout UnsafeMutableBufferPointer<Cell>) -> Result) -> Result {
        cells.withUnsafeMutableBufferPointer { body(&$0) }
    }

    /// Changes the style of the cells in `area` (clipped), keeping their text: highlights.
    public mutating func restyle(_ area: Rect, _ transform: (Style) -> Style) {
        let area = area.intersection(bounds)
        guard !area.isEmpty else { return }
        for y in area.y..<area.maxY {
            for x in area.x..<area.maxX { cells[y * width + x].style = transform(cells[y * width + x].style) }
        }
    }

    /// Sets one cell, repairing any wide grapheme it overwrites half of.
    private mutating func set(_ cell: Cell, x: Int, y: Int) {
        let index = y * width + x
        let old = cells[index]
        // (Writing a wide glyph's own continuation must not undo the glyph just written.)
        if old.isContinuation, !cell.isContinuation, x > 0, cells[index - 1].width == 2 {
            cells[index - 1] = Cell(text: " ", width: 1, style: cells[index - 1].style)
        }
        if old.width == 2, cell.width != 2, x + 1 < width, cells[index + 1].isContinuation {
            cells[index + 1] = Cell(text: " ", width: 1, style: cells[index + 1].style)
        }
        cells[index] = cell
    }

    // MARK: - For tests and recordings

    /// Each row as text (continuations skipped, trailing spaces kept): what a person sees.
    public var lines: [String] {
        (0..<height).map { row in
            var line = ""
            for x in 0..<width where !self[x, row].isContinuation { line += self[x, row].text }
            return line
        }
    }
}
