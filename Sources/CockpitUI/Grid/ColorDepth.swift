/// How many colours the terminal can show, detected from `TERM`, `COLORTERM` and
/// `NO_COLOR` by the backend; themes are written in truecolour and mapped down to it.
public enum ColorDepth: Int, Sendable, Hashable, Comparable, CaseIterable {
    /// No colour at all (`NO_COLOR`, `TERM=dumb`): attributes only.
    case monochrome
    case ansi16
    case palette256
    case truecolor

    public static func < (a: ColorDepth, b: ColorDepth) -> Bool { a.rawValue < b.rawValue }
}
