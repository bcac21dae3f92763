/// What changed between two frames, as runs of adjacent cells on one row that the backend
/// writes with one cursor move each. Pure, so it is tested on grids (wide glyphs included).
public enum FrameDiff {
    /// A stretch of row `y` from column `x` to redraw: `cells` includes continuation cells
    /// (the backend skips them), and never starts on one.
    public struct Run: Sendable, Hashable {
        public var x: Int
        public var y: Int
        public var cells: [Cell]
    }

    /// The runs that turn `old` into `new`; everything when `old` is `nil` or of another size
    /// (after a resize the backend clears first).
    public static func runs(from old: CellGrid?, to new: CellGrid) -> [Run] {
        let full = old == nil || old!.width != new.width || old!.height != new.height
        var runs: [Run] = []
        for y in 0..<new.height {
            var x = 0
            while x < new.width {
                guard full || old![x, y] != new[x, y] else { x += 1; continue }
                // Start on the grapheme's first cell, so a changed continuation redraws its glyph.
                var start = x
                if new[start, y].isContinuation, start > 0 { start -= 1 }
                var end = x + 1
                while end < new.width, full || old![end, y] != new[end, y] || new[end, y].isContinuation { end += 1 }
                // A wide glyph's continuation belongs to its run.
                if end < new.width, new[end, y].isContinuation { end += 1 }
                if let last = runs.last, last.y == y, last.x + last.cells.count >= start {
                    runs[runs.count - 1].cells.append(contentsOf: (last.x + last.cells.count..<end).map { new[$0, y] })
                } else {
                    runs.append(Run(x: start, y: y, cells: (start..<end).map { new[$0, y] }))
                }
                x = end
            }
        }
        return runs
    }
}
