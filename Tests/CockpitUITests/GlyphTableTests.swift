import CockpitUI
import Testing

/// Agent text cannot fill the grapheme table for good.
@Suite struct GlyphTableTests {
    /// A distinct grapheme of two scalars per index ("e" with combining marks from a range).
    static func grapheme(_ index: Int) -> String {
        let first = Character(Unicode.Scalar(0x4E00 + index % 20_000)!)
        let mark = Character(Unicode.Scalar(0x0300 + index / 20_000)!)
        return String(first) + String(mark)
    }

    @Test func aFullTableStartsANewEpochBetweenFramesAndThePreviousStillResolves() {
        let table = GlyphTable()
        let old = table.code(Self.grapheme(0))
        for index in 1..<GlyphTable.capacity { _ = table.code(Self.grapheme(index)) }
        #expect(table.count == GlyphTable.capacity)
        #expect(table.code(Self.grapheme(GlyphTable.capacity)) == 0xFFFD, "full within a frame")
        table.beginFrame()
        #expect(table.count == 0)
        let fresh = table.code(Self.grapheme(GlyphTable.capacity))
        #expect(fresh != 0xFFFD)
        #expect(table.text(fresh) == Self.grapheme(GlyphTable.capacity))
        #expect(table.text(old) == Self.grapheme(0), "the previous epoch's frame still draws right")
        #expect(table.code(Self.grapheme(0)) != old, "a new number in the new epoch")
        // Two epochs on, the oldest codes have expired.
        for index in 0...GlyphTable.capacity / 2 { _ = table.code(Self.grapheme(100_000 + index)) }
        table.beginFrame()
        #expect(table.text(old) == "\u{FFFD}")
        #expect(table.text(fresh) == Self.grapheme(GlyphTable.capacity))
    }

    @Test func aTableLessThanHalfFullIsKeptAcrossFrames() {
        let table = GlyphTable()
        let code = table.code(Self.grapheme(1))
        table.beginFrame()
        #expect(table.code(Self.grapheme(1)) == code)
        #expect(table.count == 1)
    }
}
