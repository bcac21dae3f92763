import KubeModel
import Testing

/// RFC 6901 pointers as kube-apiserver's JSON patch library reads them.
@Suite struct JSONPointerTests {
    @Test func tokensAreUnescapedInTheRFCsOrder() {
        #expect(JSONPointer("")?.tokens == [])
        #expect(JSONPointer("/")?.tokens == [""])
        #expect(JSONPointer("/a/b")?.tokens == ["a", "b"])
        #expect(JSONPointer("//a/")?.tokens == ["", "a", ""])
        #expect(JSONPointer("/a~1b")?.tokens == ["a/b"])
        #expect(JSONPointer("/m~0n")?.tokens == ["m~n"])
        // `~01` is `~1`, not `/`: `~1` is decoded first, then `~0`.
        #expect(JSONPointer("/~01")?.tokens == ["~1"])
        #expect(JSONPointer("/~10")?.tokens == ["/0"])
        #expect(JSONPointer("/~~1")?.tokens == ["~/"])
        // An unknown escape stays literal, as the library leaves it.
        #expect(JSONPointer("/a~2b~")?.tokens == ["a~2b~"])
        #expect(JSONPointer("/metadata/labels/app.kubernetes.io~1name")?.tokens
            == ["metadata", "labels", "app.kubernetes.io/name"])
        #expect(JSONPointer("a/b") == nil)
    }

    @Test func descriptionEscapesAndRoundTrips() {
        #expect(JSONPointer(tokens: ["a/b", "m~n", ""]).description == "/a~1b/m~0n/")
        #expect(JSONPointer(tokens: []).description == "")
        for text in ["", "/", "/a~1b/m~0n", "/~01", "/spec/template/spec/containers/0/image"] {
            #expect(JSONPointer(text)?.description == text)
        }
        #expect(JSONPointer(tokens: []).isRoot)
    }

    @Test func arrayIndicesAreReadAsGoReadsIntegers() {
        #expect(JSONPointer.integer("0") == 0)
        #expect(JSONPointer.integer("12") == 12)
        #expect(JSONPointer.integer("012") == 12)
        #expect(JSONPointer.integer("+3") == 3)
        #expect(JSONPointer.integer("-1") == -1)
        #expect(JSONPointer.integer("-") == nil)
        #expect(JSONPointer.integer("") == nil)
        #expect(JSONPointer.integer("1e3") == nil)
        #expect(JSONPointer.integer(" 1") == nil)
        #expect(JSONPointer.integer("--1") == nil)
        #expect(JSONPointer.integer("99999999999999999999") == nil)
    }
}
