#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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
        let width = new.width
        let full = old == nil || old!.width != width || old!.height != new.height
        // The cell arrays, bound once: indexing through `old!` per cell retained and released
        // the grid's buffer every time (a tenth of a frame's cost).
        let next = new.cells
        let previous = full ? next : old!.cells
        var runs: [Run] = []
        for y in 0..<new.height {
            let row = y * width
            // Most rows do not change: equal bytes mean equal cells (`Cell` is plain data), so
            // a row passes with one memcmp. Unequal bytes (padding may differ) go cell by cell.
            if !full, Self.sameBytes(previous, next, from: row, count: width) { continue }
            var x = 0
            while x < width {
                guard full || previous[row + x] != next[row + x] else { x += 1; continue }
                // Start on the grapheme's first cell, so a changed continuation redraws its glyph.
                var start = x
                if next[row + start].isContinuation, start > 0 { start -= 1 }
                var end = x + 1
                while end < width, full || previous[row + end] != next[row + end] || next[row + end].isContinuation { end += 1 }
                // A wide glyph's continuation belongs to its run.
                if end < width, next[row + end].isContinuation { end += 1 }
                if let last = runs.last, last.y == y, last.x + last.cells.count >= start {
                    runs[runs.count - 1].cells.append(contentsOf: next[(row + last.x + last.cells.count)..<(row + end)])
                } else {
                    runs.append(Run(x: start, y: y, cells: Array(next[(row + start)..<(row + end)])))
                }
                x = end
            }
        }
        return runs
    }

    private static func sameBytes(_ a: [Cell], _ b: [Cell], from start: Int, count: Int) -> Bool {
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                memcmp(a.baseAddress! + start, b.baseAddress! + start, count * MemoryLayout<Cell>.stride) == 0
            }
        }
    }
}
