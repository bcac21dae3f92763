import CockpitUI

/// What the terminal can show, decided once at start: how many colours, and whether text may
/// be UTF-8 or must stay ASCII.
///
/// Detection is pure (an environment dictionary in, a value out) so that it is tested on a
/// table of environments; the ncurses backend then caps it with what terminfo really offers
/// (`limited(byCursesColors:directColor:)`) and with the locale `setlocale` actually gave
/// (`limited(localeIsUTF8:)`), because `LANG=en_US.UTF-8` without that locale installed
/// still leaves the C library in ASCII.
public struct TerminalCapabilities: Sendable, Hashable {
    /// How text reaches the terminal.
    public enum TextMode: String, Sendable, Hashable {
        /// UTF-8: box drawing, wide glyphs and emoji are drawn.
        case utf8
        /// ASCII only: the UI picks ASCII glyphs, and the backend turns anything else into `?`.
        case ascii
    }

    /// `TERM` as found ("" when unset).
    public var term: String
    /// `COLORTERM` as found ("" when unset).
    public var colorTerm: String
    /// Whether `NO_COLOR` asked for no colour (any non-empty value, per no-color.org).
    public var noColor: Bool
    /// The locale name the text mode was derived from (`LC_ALL`, `LC_CTYPE` or `LANG`).
    public var localeName: String
    public var colorDepth: ColorDepth
    public var textMode: TextMode
    /// ncurses' `COLORS` and `COLOR_PAIRS` once the terminal is open (nil before, or
    /// without colour): for the diagnostic screen and bug reports.
    public var cursesColors: Int?
    public var cursesColorPairs: Int?

    public init(term: String, colorTerm: String = "", noColor: Bool = false, localeName: String = "C.UTF-8",
                colorDepth: ColorDepth, textMode: TextMode) {
        self.term = term
        self.colorTerm = colorTerm
        self.noColor = noColor
        self.localeName = localeName
        self.colorDepth = colorDepth
        self.textMode = textMode
    }

    /// Detects from the environment alone (before the terminal is opened).
    public init(environment: [String: String]) {
        term = environment["TERM"] ?? ""
        colorTerm = environment["COLORTERM"] ?? ""
        noColor = !(environment["NO_COLOR"] ?? "").isEmpty
        localeName = Self.localeName(environment)
        textMode = Self.isUTF8(localeName) ? .utf8 : .ascii
        colorDepth = noColor ? .monochrome : Self.depth(term: term, colorTerm: colorTerm)
    }

    public var isUTF8: Bool { textMode == .utf8 }

    // MARK: - Caps applied once the terminal is open

    /// Caps the depth with ncurses' `COLORS` (and whether terminfo is a direct-colour entry,
    /// the only way ncurses can emit 24-bit colour without redefining the user's palette).
    public func limited(byCursesColors colors: Int, directColor: Bool) -> TerminalCapabilities {
        let ceiling: ColorDepth
        if directColor || colors >= 1 << 24 {
            ceiling = .truecolor
        } else if colors >= 256 {
            ceiling = .palette256
        } else if colors >= 8 {
            ceiling = .ansi16
        } else {
            ceiling = .monochrome
        }
        var copy = self
        copy.colorDepth = Swift.min(colorDepth, ceiling)
        return copy
    }

    /// Falls back to ASCII when the C library's locale is not UTF-8 after `setlocale`.
    public func limited(localeIsUTF8: Bool) -> TerminalCapabilities {
        var copy = self
        if !localeIsUTF8 { copy.textMode = .ascii }
        return copy
    }

    // MARK: - Rules

    /// The locale variable `setlocale(LC_CTYPE, "")` reads first: LC_ALL, then LC_CTYPE, then LANG.
    static func localeName(_ environment: [String: String]) -> String {
        ["LC_ALL", "LC_CTYPE", "LANG"].lazy.compactMap { environment[$0] }.first { !$0.isEmpty } ?? ""
    }

    static func isUTF8(_ localeName: String) -> Bool {
        let lowered = localeName.lowercased()
        return lowered.contains("utf-8") || lowered.contains("utf8")
    }

    static func depth(term: String, colorTerm: String) -> ColorDepth {
        let term = term.lowercased()
        if term.isEmpty || term == "dumb" || ["vt52", "vt100", "vt102", "vt220"].contains(term) { return .monochrome }
        let colorTerm = colorTerm.lowercased()
        if colorTerm == "truecolor" || colorTerm == "24bit" || term.hasSuffix("-direct") || term.contains("-direct") {
            return .truecolor
        }
        if term.hasSuffix("-256color") || term.contains("256col") { return .palette256 }
        // xterm*, screen*, tmux*, linux, rxvt*, and anything unknown: the 16 ANSI colours,
        // which ncurses' COLORS caps further if terminfo says less.
        return .ansi16
    }
}
