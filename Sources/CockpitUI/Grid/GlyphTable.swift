import Synchronization

/// The graphemes of more than one scalar a cell has held (flags, ZWJ emoji, a letter with a
/// combining mark), each given a number once, so that `Cell` stays plain data. Only grows:
/// a terminal session meets a handful of such graphemes; agent text that tried to grow it
/// without bound would be capped, its later graphemes drawn as the replacement glyph.
public final class GlyphTable: Sendable {
    /// Codes from here on are table entries; below are Unicode scalar values.
    public static let base: UInt32 = 0x0100_0000
    /// Entries the table holds at most.
    public static let capacity = 65_536

    public static let shared = GlyphTable()

    private struct Entries {
        var codes: [String: UInt32] = [:]
        var texts: [String] = []
    }

    private let entries = Mutex(Entries())

    public init() {}

    /// The code of `text` (a grapheme of several scalars), added when new.
    public func code(_ text: String) -> UInt32 {
        entries.withLock { entries in
            if let code = entries.codes[text] { return code }
            guard entries.texts.count < Self.capacity else { return 0xFFFD }  // the replacement character
            let code = Self.base + UInt32(entries.texts.count)
            entries.codes[text] = code
            entries.texts.append(text)
            return code
        }
    }

    /// The grapheme of a table code; the replacement character for an unknown one.
    public func text(_ code: UInt32) -> String {
        entries.withLock { entries in
            let index = Int(code &- Self.base)
            return code >= Self.base && index < entries.texts.count ? entries.texts[index] : "\u{FFFD}"
        }
    }
}
