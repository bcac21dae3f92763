/// One terminal cell: a grapheme and its style.
///
/// A wide grapheme (CJK, most emoji) occupies two cells: the first holds it with `width` 2,
/// the second is a continuation (`text` empty, `width` 0) that the backend never draws.
public struct Cell: Sendable, Hashable {
    /// One grapheme cluster, already terminal-safe; `""` for a continuation cell.
    public var text: String
    /// 1 or 2 columns; 0 for the continuation of a wide grapheme.
    public var width: UInt8
    public var style: Style

    public init(text: String = " ", width: UInt8 = 1, style: Style = .plain) {
        self.text = text
        self.width = width
        self.style = style
    }

    public static let blank = Cell()

    public var isContinuation: Bool { width == 0 }
}
