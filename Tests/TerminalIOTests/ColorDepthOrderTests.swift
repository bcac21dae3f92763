import CockpitUI
import Testing

@Suite struct ColorDepthOrderTests {
    /// Capability checks compare depths ("at least 256 colours"): the order must follow richness.
    @Test func depthsAreOrderedByRichness() {
        #expect(ColorDepth.allCases.sorted() == [.monochrome, .ansi16, .palette256, .truecolor])
        #expect(ColorDepth.palette256 >= .ansi16 && !(ColorDepth.ansi16 >= .truecolor))
    }
}
