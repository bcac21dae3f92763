import CockpitUI
import Testing

@Suite struct CellGridTests {
    @Test func wideGlyphsTakeTwoCellsAndAreNeverSplitAtTheEdge() {
        var grid = CellGrid(width: 5, height: 1)
        let end = grid.put("a日本", x: 0, y: 0, style: .plain)
        #expect(end == 5)
        #expect(grid.lines == ["a日本"])
        #expect(grid[2, 0].isContinuation)
        var edge = CellGrid(width: 4, height: 1)
        edge.put("ab日", x: 1, y: 0, style: .plain)
        #expect(edge.lines == [" ab "])
    }

    @Test func overwritingHalfAWideGlyphBlanksTheOtherHalf() {
        var grid = CellGrid(width: 4, height: 1)
        grid.put("日本", x: 0, y: 0, style: .plain)
        grid.put("x", x: 1, y: 0, style: .plain)
        #expect(grid.lines == [" x本"])
    }

    @Test func diffOfIdenticalFramesIsEmptyAndAChangedWideGlyphRedrawsWhole() {
        var a = CellGrid(width: 6, height: 2)
        a.put("hi 日", x: 0, y: 1, style: .plain)
        #expect(FrameDiff.runs(from: a, to: a).isEmpty)
        var b = a
        b.put("本", x: 3, y: 1, style: .plain)
        let runs = FrameDiff.runs(from: a, to: b)
        #expect(runs.count == 1)
        #expect(runs[0].x == 3 && runs[0].y == 1, "\(runs)")
        #expect(runs[0].cells.map(\.text) == ["本", ""], "\(runs[0].cells.map(\.text))")
        #expect(FrameDiff.runs(from: nil, to: b).count == 2)
    }

    @Test func displayWidthOfCJKEmojiAndCombiningMarks() {
        #expect(DisplayWidth.of("abc") == 3)
        #expect(DisplayWidth.of("日本語") == 6)
        #expect(DisplayWidth.of("🚀") == 2)
        #expect(DisplayWidth.of("e\u{301}") == 1)
        #expect(DisplayWidth.of("❤️") == 2)
    }
}
