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

@Suite struct GridFastPathTests {
    /// The printable-ASCII path of `put` must clip and count like the grapheme path.
    @Test func asciiTextIsClippedAndCountedLikeAnyOtherText() {
        var grid = CellGrid(width: 8, height: 1)
        let clip = Rect(x: 2, y: 0, width: 4, height: 1)
        #expect(grid.put("abcdefgh", x: 0, y: 0, style: .plain, clip: clip) == 6)
        #expect(grid.lines == ["  cdef  "])
        #expect(grid.put("xy", x: 3, y: 0, style: .plain, clip: clip) == 5)
        #expect(grid.lines == ["  cxyf  "])
        // Tabs and newlines take the general path and become spaces (they were dropped, though
        // the doc comment promised spaces).
        #expect(grid.put("a\tb\nc", x: 0, y: 0, style: .plain) == 5)
        #expect(grid.lines == ["a b cf  "])
    }

    @Test func aNarrowGlyphOverAWideOneFallsBackToTheRepairingPath() {
        var grid = CellGrid(width: 4, height: 1)
        grid.put("日本", x: 0, y: 0, style: .plain)
        grid.putNarrow("#", x: 1, y: 0, style: .plain)
        #expect(grid.lines == [" #本"])
        grid.putNarrow("*", x: 3, y: 0, style: .plain)
        #expect(grid.lines == [" # *"])
        #expect(DisplayWidth.of(grid.lines[0]) == 4)
    }

    @Test func everyFillAndMarkerGlyphIsOneColumn() {
        for glyphs in [GlyphSet.unicode, .ascii] {
            for glyph in [glyphs.strategicFill, glyphs.tacticalFill, glyphs.otherPhaseFill, glyphs.horizontal, glyphs.vertical,
                          glyphs.topLeft, glyphs.topRight, glyphs.bottomLeft, glyphs.bottomRight]
                + PhaseMarker.Kind.allCases.map(glyphs.marker) {
                #expect(DisplayWidth.of(glyph) == 1 && glyph.count == 1, "\(glyph)")
            }
        }
    }
}
