import CockpitUI
import TerminalIO
import Testing

@Suite struct ColorMappingTests {
    @Test func truecolourIsKeptAndDefaultsAlwaysStay() {
        #expect(ColorMapping.map(.rgb(1, 2, 3), to: .truecolor) == .rgb(1, 2, 3))
        for depth in ColorDepth.allCases { #expect(ColorMapping.map(.terminalDefault, to: depth) == .terminalDefault) }
    }

    @Test(arguments: [
        (UInt8(0), UInt8(0), UInt8(0), UInt8(16)), (255, 255, 255, 231), (255, 0, 0, 196), (0, 255, 0, 46),
        (0, 0, 255, 21), (95, 135, 175, 67), (128, 128, 128, 244), (8, 8, 8, 232), (238, 238, 238, 255),
        (100, 100, 101, 241), (255, 175, 0, 214),
    ])
    func nearest256UsesTheCubeAndTheGreyRamp(r: UInt8, g: UInt8, b: UInt8, expected: UInt8) {
        #expect(ColorMapping.nearest256(r, g, b) == expected)
        #expect(ColorMapping.map(.rgb(r, g, b), to: .palette256) == .indexed(expected))
    }

    @Test func everyCubeAndGreyEntryMapsToItself() {
        for index in 16...255 {
            let (r, g, b) = ColorMapping.rgb(ofIndex: UInt8(index))
            let back = ColorMapping.nearest256(r, g, b)
            let (r2, g2, b2) = ColorMapping.rgb(ofIndex: back)
            #expect([r, g, b] == [r2, g2, b2], "\(index) -> \(back)")
        }
    }

    @Test(arguments: [
        (UInt8(0), UInt8(0), UInt8(0), UInt8(0)), (255, 255, 255, 15), (255, 0, 0, 9), (200, 0, 0, 1), (0, 200, 0, 2),
        (0, 0, 230, 4), (128, 128, 128, 8), (230, 230, 230, 7), (255, 255, 0, 11), (0, 255, 255, 14), (40, 40, 40, 0),
    ])
    func nearest16(r: UInt8, g: UInt8, b: UInt8, expected: UInt8) {
        #expect(ColorMapping.nearest16(r, g, b) == expected)
        #expect(ColorMapping.map(.rgb(r, g, b), to: .ansi16) == .indexed(expected))
    }

    @Test func paletteIndicesAreKeptWhereTheyExistAndMappedWhereNot() {
        #expect(ColorMapping.map(.indexed(200), to: .palette256) == .indexed(200))
        #expect(ColorMapping.map(.indexed(5), to: .ansi16) == .indexed(5))
        #expect(ColorMapping.map(.indexed(196), to: .ansi16) == .indexed(9))
        #expect(ColorMapping.map(.indexed(232), to: .ansi16) == .indexed(0))
        #expect(ColorMapping.map(.indexed(3), to: .monochrome) == .terminalDefault)
    }

    @Test func monochromeDropsColoursButKeepsAttributesAndReverse() {
        let selected = Style(foreground: .rgb(0, 0, 0), background: .rgb(90, 160, 255), attributes: [.bold, .reverse])
        let mapped = ColorMapping.map(selected, to: .monochrome)
        #expect(mapped == Style(attributes: [.bold, .reverse]))
        let plain = Style(foreground: .indexed(2), attributes: [.underline, .dim, .italic])
        #expect(ColorMapping.map(plain, to: .monochrome) == Style(attributes: [.underline, .dim, .italic]))
        #expect(ColorMapping.map(selected, to: .palette256).attributes == [.bold, .reverse])
    }

    @Test func cursesNumbersFollowTheTerminfoEntry() {
        let palette = CursesColorNumbers(colors: 256, direct: false)
        #expect(palette.number(for: .terminalDefault) == -1)
        #expect(palette.number(for: .indexed(200)) == 200)
        #expect(palette.number(for: .rgb(255, 0, 0)) == 196)
        let eight = CursesColorNumbers(colors: 8, direct: false)
        #expect(eight.number(for: .indexed(9)) == 1, "bright red on an 8-colour terminal is red")
        #expect(eight.number(for: .indexed(3)) == 3)
        let direct = CursesColorNumbers(colors: 1 << 24, direct: true)
        #expect(direct.number(for: .rgb(0x12, 0x34, 0x56)) == 0x123456)
        #expect(direct.number(for: .rgb(0, 0, 5)) == 8, "0-7 mean ANSI colours in direct mode")
        #expect(direct.number(for: .indexed(1)) == 1)
        #expect(direct.number(for: .indexed(196)) == 0xFF0000)
    }
}
