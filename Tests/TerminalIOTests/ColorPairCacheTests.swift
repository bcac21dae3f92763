import TerminalIO
import Testing

@Suite struct ColorPairCacheTests {
    /// `[pair, isNew]`, comparable in an expectation.
    func assigned(_ cache: inout ColorPairCache, _ key: ColorPairCache.Key) -> [Int32]? {
        cache.pair(for: key).map { [$0.pair, $0.isNew ? 1 : 0] }
    }

    @Test func pairsAreReusedForTheSameColoursAndNeverExceedTheCapacity() {
        var cache = ColorPairCache(capacity: 3)
        let a = ColorPairCache.Key(foreground: 1, background: -1)
        let b = ColorPairCache.Key(foreground: 2, background: -1)
        let c = ColorPairCache.Key(foreground: 3, background: 4)
        let d = ColorPairCache.Key(foreground: 5, background: 6)
        do { let got = assigned(&cache, ColorPairCache.Key(foreground: -1, background: -1)); #expect(got == [0, 0]) }
        do { let got = assigned(&cache, a); #expect(got == [1, 1]) }
        do { let got = assigned(&cache, a); #expect(got == [1, 0]) }
        do { let got = assigned(&cache, b); #expect(got == [2, 1]) }
        do { let got = assigned(&cache, c); #expect(got == [3, 1]) }
        #expect(cache.canFit([a, b, c]))
        #expect(!cache.canFit([d]))
        let overflow = cache.pair(for: d)
        #expect(overflow == nil)
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
                do { let got = assigned(&cache, key); #expect(got == [1, 1]) }
            }
            #expect(cache.count <= 2)
        }
    }
}
