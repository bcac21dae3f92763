/// One terminal cell: a grapheme and its style.
///
/// A wide grapheme (CJK, most emoji) occupies two cells: the first holds it with `width` 2,
/// the second is a continuation (`text` empty, `width` 0) that the backend never draws.
///
/// The grapheme is held as a number (`code`), not a `String`, so that a cell is plain data:
/// a frame of 12,000 cells is made, compared and dropped without reference counting.
public struct Cell: Sendable, Hashable {
    /// The grapheme: 0 for a continuation, the scalar's value for a one-scalar grapheme
    /// (nearly all of them), else an entry of `GlyphTable` offset by `GlyphTable.base`.
    public private(set) var code: UInt32
    public var style: Style
    /// 1 or 2 columns; 0 for the continuation of a wide grapheme. (Last: the cell packs into
    /// 16 bytes.)
    public var width: UInt8

    /// `text` is one grapheme cluster, already terminal-safe; `""` for a continuation cell.
    public init(text: String = " ", width: UInt8 = 1, style: Style = .plain) {
        self.code = Self.code(for: text)
        self.width = width
        self.style = style
    }

    /// A cell from a code made by `code(for:)` (or a printable ASCII byte).
    public init(code: UInt32, width: UInt8 = 1, style: Style = .plain) {
        self.code = code
        self.width = width
        self.style = style
    }

    public static let blank = Cell()

    public var isContinuation: Bool { width == 0 }

    /// The grapheme as text; `""` for a continuation.
    public var text: String {
        get {
            if code == 0 { return "" }
            if code < GlyphTable.base, let scalar = Unicode.Scalar(code) { return String(Character(scalar)) }
            return GlyphTable.shared.text(code)
        }
        set { code = Self.code(for: newValue) }
    }

    /// The code of a grapheme: its scalar's value when it is one scalar, else its table entry.
    public static func code(for text: some StringProtocol) -> UInt32 {
        code(text.unicodeScalars) { String(text) }
    }

    /// The code of one character (`put`'s hot path: no `String` is made for a one-scalar one).
    static func code(for character: Character) -> UInt32 {
        code(character.unicodeScalars) { String(character) }
    }

    private static func code(_ scalars: some Sequence<Unicode.Scalar>, text: () -> String) -> UInt32 {
        var scalars = scalars.makeIterator()
        guard let first = scalars.next() else { return 0 }
        if scalars.next() == nil { return first.value }
        return GlyphTable.shared.code(text())
    }
}
