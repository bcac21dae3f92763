import CockpitUI
import TerminalIO
import Testing

@Suite struct TerminalCapabilitiesTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var environment: [String: String]
        var depth: ColorDepth
        var mode: TerminalCapabilities.TextMode
        var testDescription: String { environment.sorted { $0.key < $1.key }.map { "\($0)=\($1)" }.joined(separator: " ") }
    }

    static let table: [Case] = [
        Case(environment: ["TERM": "xterm-256color", "LANG": "C.UTF-8"], depth: .palette256, mode: .utf8),
        Case(environment: ["TERM": "tmux-256color", "LANG": "en_US.UTF-8"], depth: .palette256, mode: .utf8),
        Case(environment: ["TERM": "screen-256color", "LC_ALL": "de_DE.utf8"], depth: .palette256, mode: .utf8),
        Case(environment: ["TERM": "xterm-256color", "COLORTERM": "truecolor", "LANG": "C.UTF-8"], depth: .truecolor, mode: .utf8),
        Case(environment: ["TERM": "xterm", "COLORTERM": "24bit", "LANG": "C.UTF-8"], depth: .truecolor, mode: .utf8),
        Case(environment: ["TERM": "xterm-direct", "LANG": "C.UTF-8"], depth: .truecolor, mode: .utf8),
        Case(environment: ["TERM": "xterm", "LANG": "C.UTF-8"], depth: .ansi16, mode: .utf8),
        Case(environment: ["TERM": "screen", "LANG": "C.UTF-8"], depth: .ansi16, mode: .utf8),
        Case(environment: ["TERM": "tmux", "LANG": "C.UTF-8"], depth: .ansi16, mode: .utf8),
        Case(environment: ["TERM": "linux", "LANG": "C.UTF-8"], depth: .ansi16, mode: .utf8),
        Case(environment: ["TERM": "dumb", "COLORTERM": "truecolor", "LANG": "C.UTF-8"], depth: .monochrome, mode: .utf8),
        Case(environment: ["TERM": "vt100"], depth: .monochrome, mode: .ascii),
        Case(environment: [:], depth: .monochrome, mode: .ascii),
        // NO_COLOR: any non-empty value, whatever else is set; an empty one is ignored.
        Case(environment: ["TERM": "xterm-256color", "COLORTERM": "truecolor", "NO_COLOR": "1", "LANG": "C.UTF-8"],
             depth: .monochrome, mode: .utf8),
        Case(environment: ["TERM": "xterm-256color", "NO_COLOR": "", "LANG": "C.UTF-8"], depth: .palette256, mode: .utf8),
        // Locale: LC_ALL wins over LC_CTYPE over LANG; empty values are skipped; C/POSIX mean ASCII.
        Case(environment: ["TERM": "xterm-256color", "LANG": "C"], depth: .palette256, mode: .ascii),
        Case(environment: ["TERM": "xterm-256color", "LANG": ""], depth: .palette256, mode: .ascii),
        Case(environment: ["TERM": "xterm-256color", "LC_ALL": "POSIX", "LANG": "C.UTF-8"], depth: .palette256, mode: .ascii),
        Case(environment: ["TERM": "xterm-256color", "LC_ALL": "", "LC_CTYPE": "C.UTF-8", "LANG": "C"], depth: .palette256, mode: .utf8),
        Case(environment: ["TERM": "xterm-256color", "LANG": "en_US.ISO-8859-1"], depth: .palette256, mode: .ascii),
    ]

    @Test(arguments: table)
    func detectsDepthAndTextModeFromTheEnvironment(_ c: Case) {
        let capabilities = TerminalCapabilities(environment: c.environment)
        #expect(capabilities.colorDepth == c.depth)
        #expect(capabilities.textMode == c.mode)
        #expect(capabilities.term == (c.environment["TERM"] ?? ""))
    }

    @Test func cursesColorsAreACeiling() {
        let truecolor = TerminalCapabilities(environment: ["TERM": "tmux-256color", "COLORTERM": "truecolor"])
        #expect(truecolor.limited(byCursesColors: 256, directColor: false).colorDepth == .palette256)
        #expect(truecolor.limited(byCursesColors: 256, directColor: true).colorDepth == .truecolor)
        #expect(truecolor.limited(byCursesColors: 1 << 24, directColor: false).colorDepth == .truecolor)
        #expect(truecolor.limited(byCursesColors: 8, directColor: false).colorDepth == .ansi16)
        #expect(truecolor.limited(byCursesColors: 0, directColor: false).colorDepth == .monochrome)
        // A ceiling never raises.
        let ansi = TerminalCapabilities(environment: ["TERM": "xterm"])
        #expect(ansi.limited(byCursesColors: 256, directColor: false).colorDepth == .ansi16)
    }

    @Test func aLocaleThatSetlocaleCouldNotLoadMeansASCII() {
        let capabilities = TerminalCapabilities(environment: ["TERM": "xterm", "LANG": "xx_YY.UTF-8"])
        #expect(capabilities.textMode == .utf8)
        #expect(capabilities.limited(localeIsUTF8: false).textMode == .ascii)
        #expect(capabilities.limited(localeIsUTF8: true).textMode == .utf8)
        #expect(capabilities.localeName == "xx_YY.UTF-8")
    }
}
