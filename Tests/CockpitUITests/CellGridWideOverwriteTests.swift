import CockpitUI
import Testing

/// Found by TerminalIO's screen-equals-frame property test.
@Suite struct CellGridWideOverwriteTests {
    /// Regression: a wide glyph written exactly over another wide glyph blanked its own head
    /// and left an orphan continuation, so the terminal kept showing a stale cell.
    @Test func aWideGlyphOverAWideGlyphReplacesIt() {
        var grid = CellGrid(width: 4, height: 1)
        grid.put("日", x: 1, y: 0, style: .plain)
        grid.put("本", x: 1, y: 0, style: .plain)
        #expect(grid.lines == [" 本 "])
        #expect(grid[1, 0].width == 2 && grid[2, 0].isContinuation)
    }

    @Test func everyContinuationFollowsAWideHeadAfterRandomWrites() {
        var grid = CellGrid(width: 7, height: 1)
        let texts = ["日", "a", "本b", "🚀", "c中", " "]
        for step in 0..<500 {
            grid.put(texts[(step * 7) % texts.count], x: (step * 5) % 7, y: 0, style: .plain)
            for x in 0..<7 where grid[x, 0].isContinuation {
                #expect(x > 0 && grid[x - 1, 0].width == 2, "step \(step): \(grid.lines)")
            }
            for x in 0..<7 where grid[x, 0].width == 2 {
                #expect(x + 1 < 7 && grid[x + 1, 0].isContinuation, "step \(step): \(grid.lines)")
            }
        }
    }
}
