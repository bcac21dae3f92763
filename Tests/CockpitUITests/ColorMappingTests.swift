import CockpitUI
import Testing

@Suite struct ColorMappingTests {
    @Test func truecolourToTheNearestCubeOrGreyEntry() throws {
        #expect(ColorMapping.nearest256(255, 0, 0) == 196)
        #expect(ColorMapping.nearest256(0, 0, 0) == 16)
        #expect(ColorMapping.nearest256(255, 255, 255) == 231)
        #expect(ColorMapping.nearest256(128, 128, 128) == 244)  // grey ramp, not the cube's 102 (135,135,135)...
        #expect(ColorMapping.nearest256(0x1A, 0x1B, 0x26) == 234)  // the dark theme's background stays a dark grey
        #expect(ColorMapping.nearest256(95, 135, 175) == 67)
    }

    @Test func everyPaletteIndexRoundTripsThroughItsRGB() throws {
        for index in 16...255 {
            let (r, g, b) = ColorMapping.rgb(ofIndex: UInt8(index))
            let back = ColorMapping.nearest256(r, g, b)
            let same = ColorMapping.rgb(ofIndex: back) == (r, g, b)
            #expect(same, "index \(index) came back as \(back)")
        }
    }

    @Test func toSixteenColours() throws {
        #expect(ColorMapping.nearest16(255, 0, 0) == 9)
        #expect(ColorMapping.nearest16(200, 10, 10) == 1)
        #expect(ColorMapping.nearest16(250, 250, 250) == 15)
        #expect(ColorMapping.map(.indexed(196), to: .ansi16) == .indexed(9))
        #expect(ColorMapping.map(.indexed(4), to: .ansi16) == .indexed(4))
        #expect(ColorMapping.map(.rgb(0, 0, 230), to: .ansi16) == .indexed(4))
    }

    @Test func depthsThatNeedNoMappingLeaveColoursAlone() throws {
        #expect(ColorMapping.map(.rgb(1, 2, 3), to: .truecolor) == .rgb(1, 2, 3))
        #expect(ColorMapping.map(.indexed(200), to: .palette256) == .indexed(200))
        #expect(ColorMapping.map(.terminalDefault, to: .ansi16) == .terminalDefault)
    }

    @Test func monochromeDropsColoursAndKeepsAttributes() throws {
        let style = Style(foreground: .rgb(1, 2, 3), background: .indexed(4), attributes: [.bold, .reverse])
        #expect(ColorMapping.map(style, to: .monochrome) == Style(attributes: [.bold, .reverse]))
    }
}
