import TerminalIO
import Testing

@Suite struct ColorPairCacheTests {
    @Test func pairsAreReusedForTheSameColoursAndNeverExceedTheCapacity() {
        var cache = ColorPairCache(capacity: 3)
        let a = ColorPairCache.Key(foreground: 1, background: -1)
        let b = ColorPairCache.Key(foreground: 2, background: -1)
        let c = ColorPairCache.Key(foreground: 3, background: 4)
        let d = ColorPairCache.Key(foreground: 5, background: 6)
        #expect(cache.pair(for: ColorPairCache.Key(foreground: -1, background: -1))! == (0, false))
        #expect(cache.pair(for: a)! == (1, true))
        #expect(cache.pair(for: a)! == (1, false))
        #expect(cache.pair(for: b)! == (2, true))
        #expect(cache.pair(for: c)! == (3, true))
        #expect(cache.canFit([a, b, c]))
        #expect(!cache.canFit([d]))
        #expect(cache.pair(for: d) == nil)
        #expect(cache.count == 3)
    }

    /// Regression guard for the "pair counter that only grows" (TermKit): after a reset the
    /// numbering starts again at 1.
    @Test func resetReassignsFromOne() {
        var cache = ColorPairCache(capacity: 2)
        for fg in Int32(0)..<100 {
            let key = ColorPairCache.Key(foreground: fg, background: -1)
            if cache.pair(for: key) == nil {
                cache.reset()
                #expect(cache.pair(for: key)! == (1, true))
            }
            #expect(cache.count <= 2)
        }
    }
}
