@testable import CockpitUI
import FlightdeckCore
import Testing

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
