import ArgumentParser
import CockpitUI
import FlightdeckApp
import Foundation
import TerminalIO

extension Flightdeck {
    /// `flightdeck terminal`: a full-screen check of what this terminal shows and sends.
    ///
    /// For bug reports (a user can say "the box is broken, and it says ASCII mode"), and the
    /// screen the end-to-end tests drive through tmux: capabilities, a colour ramp, wide
    /// glyphs inside a box whose right edge must line up, the name of each key pressed, and
    /// the size after every resize.
    struct TerminalCheck: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "terminal",
            abstract: "Show what this terminal can display and which keys reach the cockpit (q or Ctrl-C quits).")

        @Flag(help: "Report clicks and the wheel (takes plain text selection away from the terminal; Shift+drag still selects).")
        var mouse = false

        @Flag(help: "Draw ASCII only, whatever the locale says.")
        var ascii = false

        @Flag(help: .hidden)
        var crashAfterFirstFrame = false

        func run() async throws {
            let environment = ProcessInfo.processInfo.environment
            let session: TerminalSession
            do {
                session = try TerminalSession(environment: environment, mouse: mouse, forceASCII: ascii)
            } catch let error as TerminalError {
                throw OperatorError(error.description)
            }
            var screen = Screen(capabilities: session.capabilities, environment: environment, size: session.size)
            session.present(screen.render())
            if crashAfterFirstFrame {
                // Proves the crash path restores the terminal (tests only).
                session.flush()
                abort()
            }
            events: for await event in session.events() {
                switch event {
                case .key(.character("q")), .key(.ctrl("c")): break events
                case let .key(key):
                    screen.lastKey = Screen.name(of: key)
                    screen.keyCount += 1
                case let .resized(width, height):
                    screen.size = TerminalSize(width: width, height: height)
                case let .terminated(signal):
                    session.shutdown()
                    throw ExitCode(128 + signal)
                case let .mouse(mouse):
                    screen.lastKey = "mouse \(mouse.kind) at \(mouse.x),\(mouse.y)"
                    screen.keyCount += 1
                }
                session.present(screen.render())
            }
            session.shutdown()
        }
    }
}

extension Flightdeck.TerminalCheck {
    /// The check screen as a pure function of what is known, like every cockpit pane.
    struct Screen {
        var capabilities: TerminalCapabilities
        var environment: [String: String]
        var size: TerminalSize
        var lastKey: String?
        var keyCount = 0

        /// The line of wide glyphs the box must hold without breaking its right edge.
        static let wideLine = "日本語 🚀 中文"

        static func name(of key: Key) -> String {
            switch key {
            case let .character(character): return "'\(character)'"
            case let .ctrl(letter): return "ctrl-\(letter)"
            case let .function(number): return "F\(number)"
            default: return "\(key)"
            }
        }

        func render() -> CellGrid {
            var grid = CellGrid(width: size.width, height: size.height)
            let unicode = capabilities.textMode == .utf8
            let title = Style(attributes: [.bold])
            func value(_ name: String) -> String {
                let found = environment[name] ?? ""
                return found.isEmpty ? "(unset)" : found
            }
            grid.put("Flightdeck terminal check - q or Ctrl-C quits", x: 0, y: 0, style: title)
            grid.put("TERM: \(value("TERM"))  COLORTERM: \(value("COLORTERM"))  NO_COLOR: \(value("NO_COLOR"))",
                     x: 0, y: 1, style: .plain)
            var colours = "colours: \(capabilities.colorDepth)"
            if let colors = capabilities.cursesColors, let pairs = capabilities.cursesColorPairs {
                colours += " (ncurses COLORS \(colors), pairs \(pairs))"
            }
            grid.put(colours, x: 0, y: 2, style: .plain)
            let locale = capabilities.localeName.isEmpty ? "unset" : capabilities.localeName
            grid.put(unicode ? "text: UTF-8 (locale \(locale))"
                             : "text: ASCII (locale \(locale) is not UTF-8; export LANG=C.UTF-8)", x: 0, y: 3, style: .plain)
            grid.put("size: \(size)", x: 0, y: 4, style: .plain)
            renderRamp(into: &grid, y: 5)

            let inner = unicode ? " \(Self.wideLine) " : " wide glyphs need a UTF-8 locale "
            let width = DisplayWidth.of(inner)
            let (h, v, tl, tr, bl, br) = unicode ? ("─", "│", "┌", "┐", "└", "┘") : ("-", "|", "+", "+", "+", "+")
            grid.put(tl + String(repeating: h, count: width) + tr, x: 0, y: 6, style: .plain)
            grid.put(v + inner + v, x: 0, y: 7, style: .plain)
            grid.put(bl + String(repeating: h, count: width) + br, x: 0, y: 8, style: .plain)

            grid.put("key: \(lastKey ?? "(press a key)")", x: 0, y: 9, style: title)
            grid.put("keys seen: \(keyCount)", x: 0, y: 10, style: .plain)
            return grid
        }

        /// The 16 ANSI colours, then a red-to-blue truecolour ramp, each mapped down by the
        /// backend to what the terminal shows; attributes alone in monochrome.
        private func renderRamp(into grid: inout CellGrid, y: Int) {
            var x = grid.put("ramp: ", x: 0, y: y, style: .plain)
            guard capabilities.colorDepth != .monochrome else {
                let samples: [(String, TextAttributes)] = [("bold", .bold), ("dim", .dim), ("underline", .underline),
                                                           ("reverse", .reverse)]
                for (name, attributes) in samples {
                    x = grid.put(name, x: x, y: y, style: Style(attributes: attributes))
                    x = grid.put(" ", x: x, y: y, style: .plain)
                }
                return
            }
            for index in 0..<16 {
                x = grid.put(" ", x: x, y: y, style: Style(background: .indexed(UInt8(index))))
            }
            x = grid.put(" ", x: x, y: y, style: .plain)
            for step in 0..<24 {
                let t = Double(step) / 23
                let colour = Color.rgb(UInt8(255 * (1 - t)), UInt8(64 + 64 * sin(t * .pi)), UInt8(255 * t))
                x = grid.put(" ", x: x, y: y, style: Style(background: colour))
            }
        }
    }
}
