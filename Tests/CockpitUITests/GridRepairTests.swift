@testable import CockpitUI
import FlightdeckCore
import Testing

/// Regressions found by the pane tests in the shared grid.
@Suite struct GridRepairTests {
    /// Writing a wide glyph over another wide glyph blanked the new one: its continuation
    /// landed on the old continuation, and the "repair" of the half-overwritten old glyph
    /// hit the glyph just written.
    @Test func aWideGlyphOverAnotherWideGlyphStaysWhole() {
        var grid = CellGrid(width: 4, height: 1)
        grid.put("日", x: 1, y: 0, style: .plain)
        grid.put("本", x: 1, y: 0, style: .plain)
        #expect(grid.lines == [" 本 "])
        #expect(grid[1, 0].width == 2 && grid[2, 0].isContinuation)
    }

    /// A dialog filled over the second half of a wide glyph left the first half claiming two
    /// columns: the row came out one column too wide.
    @Test func fillingOverHalfAWideGlyphBlanksTheOtherHalf() {
        var grid = CellGrid(width: 6, height: 1)
        grid.put("a日本b", x: 0, y: 0, style: .plain)
        grid.fill(Rect(x: 2, y: 0, width: 2, height: 1), style: .plain)
        #expect(grid.lines == ["a    b"])
        #expect(grid.lines.allSatisfy { DisplayWidth.of($0) == 6 })
        for x in 0..<6 { #expect(grid[x, 0].width == 1) }
    }
}
