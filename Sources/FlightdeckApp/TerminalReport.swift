import CockpitUI
import Foundation
import TerminalIO

/// `flightdeck terminal`: the full-screen check of what this terminal shows and sends, as a
/// pure function of what is known, like every cockpit pane — capabilities, a colour ramp,
/// wide glyphs inside a box whose right edge must line up, the name of the last key pressed,
/// and the size after every resize. For bug reports ("the box is broken, and it says ASCII
/// mode").
public struct TerminalReport: Sendable, Hashable {
    public var capabilities: TerminalCapabilities
    public var environment: [String: String]
    public var size: TerminalSize
    public var lastKey: String?
    public var keyCount = 0

    public init(capabilities: TerminalCapabilities, environment: [String: String], size: TerminalSize) {
        self.capabilities = capabilities
        self.environment = environment
        self.size = size
    }

    /// The line of wide glyphs the box must hold without breaking its right edge.
    public static let wideLine = "日本語 🚀 中文"

    /// What to do after an event.
    public enum Step: Sendable, Hashable {
        /// Draw the screen again.
        case redraw
        /// The operator quit (q or Ctrl-C).
        case quit
        /// A termination signal arrived: exit with 128 + it.
        case terminated(signal: Int32)
    }

    /// Takes in what the terminal reported.
    public mutating func handle(_ event: TerminalEvent) -> Step {
        switch event {
        case .key(.character("q")), .key(.ctrl("c")):
            return .quit
        case let .key(key):
            lastKey = Self.name(of: key)
            keyCount += 1
        case let .resized(width, height):
            size = TerminalSize(width: width, height: height)
        case let .terminated(signal):
            return .terminated(signal: signal)
        case let .mouse(mouse):
            lastKey = "mouse \(mouse.kind) at \(mouse.x),\(mouse.y)"
            keyCount += 1
        }
        return .redraw
    }

    /// A key as the screen names it: `'a'`, `ctrl-x`, `F5`, `pageDown`.
    public static func name(of key: Key) -> String {
        switch key {
        case let .character(character): return "'\(TerminalText.line(String(character)))'"
        case let .ctrl(letter): return "ctrl-\(letter)"
        case let .function(number): return "F\(number)"
        default: return "\(key)"
        }
    }

    public func render() -> CellGrid {
        var grid = CellGrid(width: size.width, height: size.height)
        let unicode = capabilities.textMode == .utf8
        let title = Style(attributes: [.bold])
        func value(_ name: String) -> String {
            let found = TerminalText.line(environment[name] ?? "")
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
        let locale = capabilities.localeName.isEmpty ? "unset" : TerminalText.line(capabilities.localeName)
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
    /// terminal backend to what the terminal shows; attributes alone in monochrome.
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
