import CockpitUI

/// The last line of defence before a grapheme reaches the terminal: in ASCII mode nothing but
/// printable ASCII leaves the program (the UI should already have chosen ASCII glyphs), and
/// in either mode a control character that slipped past sanitising becomes `?`.
///
/// A replaced wide grapheme becomes `??`, so everything after it stays in its column.
public enum GlyphGuard {
    /// The text to draw for `cell` (never called for continuation cells).
    public static func text(for cell: Cell, textMode: TerminalCapabilities.TextMode) -> String {
        let scalars = cell.text.unicodeScalars
        let replacement = cell.width == 2 ? "??" : "?"
        guard let first = scalars.first else { return " " }
        if first.value < 0x20 || first.value == 0x7F || (0x80..<0xA0).contains(first.value) { return replacement }
        switch textMode {
        case .ascii:
            return scalars.allSatisfy({ $0.value >= 0x20 && $0.value < 0x7F }) && cell.width == 1 ? cell.text : replacement
        case .utf8:
            if scalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F || (0x80..<0xA0).contains($0.value) }) {
                return replacement
            }
            return cell.text
        }
    }
}
