import CockpitUI
import FlightdeckApp
import Foundation
import Testing
import TerminalIO

/// `flightdeck terminal`'s screen, as a pure function of the capabilities, the environment
/// and the events so far.
@Suite struct TerminalReportTests {
    static func report(textMode: TerminalCapabilities.TextMode = .utf8, depth: ColorDepth = .truecolor,
        environment: [String: String] = ["TERM": "xterm-256color"]) -> TerminalReport
    {
        TerminalReport(capabilities: TerminalCapabilities(term: "xterm-256color", localeName: textMode == .utf8 ? "C.UTF-8" : "C",
            colorDepth: depth, textMode: textMode), environment: environment, size: TerminalSize(width: 80, height: 12))
    }

    @Test func theScreenSaysWhatTheTerminalCanDoAndTheBoxHoldsWideGlyphs() {
        let lines = Self.report().render().lines
        #expect(lines[0].hasPrefix("Flightdeck terminal check - q or Ctrl-C quits"))
        #expect(lines[1].hasPrefix("TERM: xterm-256color  COLORTERM: (unset)  NO_COLOR: (unset)"))
        #expect(lines[2].hasPrefix("colours: truecolor"))
        #expect(lines[3].hasPrefix("text: UTF-8 (locale C.UTF-8)"))
        #expect(lines[4].hasPrefix("size: 80x12") || lines[4].hasPrefix("size: \(TerminalSize(width: 80, height: 12))"))
        #expect(lines[7].hasPrefix("│ \(TerminalReport.wideLine) │"))
        // The box's edges line up: as many columns on every row of it.
        let grid = Self.report().render()
        let rightEdge = { (y: Int) in (0..<grid.width).last { ["┐", "│", "┘"].contains(grid[$0, y].text) } }
        #expect(rightEdge(6) != nil && rightEdge(6) == rightEdge(7) && rightEdge(7) == rightEdge(8))
        #expect(lines[9].hasPrefix("key: (press a key)"))
    }

    @Test func asciiModeAndMonochromeSaySo() {
        let lines = Self.report(textMode: .ascii, depth: .monochrome).render().lines
        #expect(lines[3].hasPrefix("text: ASCII (locale C is not UTF-8; export LANG=C.UTF-8)"))
        #expect(lines[5].hasPrefix("ramp: bold dim underline reverse"))
        #expect(lines[6].hasPrefix("+---") && lines[7].hasPrefix("| wide glyphs need a UTF-8 locale |"))
    }

    @Test func theEnvironmentIsShownTerminalSafe() {
        let lines = Self.report(environment: ["TERM": "xterm\u{1B}]0;owned\u{07}"]).render().lines
        #expect(!lines[1].contains("\u{1B}") && lines[1].contains("TERM: xterm^[]0;owned^G"))
    }

    @Test func eventsNameKeysFollowResizesAndEnd() {
        var report = Self.report()
        #expect(report.handle(.key(.character("x"))) == .redraw)
        #expect(report.handle(.key(.ctrl("l"))) == .redraw)
        #expect(report.lastKey == "ctrl-l" && report.keyCount == 2)
        #expect(report.handle(.key(.function(5))) == .redraw)
        #expect(report.lastKey == "F5")
        #expect(report.handle(.key(.pageDown)) == .redraw)
        #expect(report.lastKey == "pageDown")
        #expect(report.handle(.mouse(MouseEvent(kind: .press, x: 3, y: 4))) == .redraw)
        #expect(report.lastKey == "mouse press at 3,4")
        #expect(report.handle(.resized(width: 100, height: 30)) == .redraw)
        #expect(report.size == TerminalSize(width: 100, height: 30))
        #expect(report.render().width == 100)
        #expect(report.render().lines[9].hasPrefix("key: mouse press at 3,4"))
        #expect(report.handle(.key(.character("q"))) == .quit)
        #expect(report.handle(.key(.ctrl("c"))) == .quit)
        #expect(report.handle(.terminated(signal: 15)) == .terminated(signal: 15))
        #expect(TerminalReport.name(of: .character("é")) == "'é'")
    }
}
