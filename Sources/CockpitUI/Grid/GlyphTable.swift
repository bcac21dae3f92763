import Synchronization

/// The graphemes of more than one scalar a cell has held (flags, ZWJ emoji, a letter with a
/// combining mark), each given a number, so that `Cell` stays plain data.
///
/// Agent text can hold any number of distinct graphemes, so the table is not allowed to fill
/// for good: numbers belong to an epoch, and between frames (`beginFrame`) a table more than
/// half full starts a new one. The previous epoch's graphemes still resolve — a frame drawn a
/// little after the next was rendered shows right — older ones draw as the replacement
/// glyph. Within an epoch a table that fills up draws further new graphemes as the
/// replacement glyph until the next frame.
public final class GlyphTable: Sendable {
    /// Codes from here on are table entries; below are Unicode scalar values.
    public static let base: UInt32 = 0x0100_0000
    /// Entries one epoch holds at most (the low 16 bits of a code; the epoch is the next 8).
    public static let capacity = 65_536

    public static let shared = GlyphTable()

    private struct Entries {
        var codes: [String: UInt32] = [:]
        var texts: [String] = []
        var epoch: UInt32 = 0
        /// The previous epoch's graphemes, still resolvable.
        var previous: [String] = []
    }

    private let entries = Mutex(Entries())

    public init() {}

    /// The code of `text` (a grapheme of several scalars), added when new.
    public func code(_ text: String) -> UInt32 {
        entries.withLock { entries in
            if let code = entries.codes[text] { return code }
            guard entries.texts.count < Self.capacity else { return 0xFFFD }  // the replacement character
            let code = Self.base + (entries.epoch & 0xFF) << 16 + UInt32(entries.texts.count)
            entries.codes[text] = code
            entries.texts.append(text)
            return code
        }
    }

    /// The grapheme of a table code; the replacement character for an unknown or expired one.
    public func text(_ code: UInt32) -> String {
        entries.withLock { entries in
            guard code >= Self.base else { return "\u{FFFD}" }
            let epoch = (code - Self.base) >> 16
            let index = Int((code - Self.base) & 0xFFFF)
            if epoch == entries.epoch & 0xFF, index < entries.texts.count { return entries.texts[index] }
            if epoch == (entries.epoch &- 1) & 0xFF, index < entries.previous.count { return entries.previous[index] }
            return "\u{FFFD}"
        }
    }

    /// Called before each frame is rendered: a table more than half full starts a new epoch.
    public func beginFrame() {
        entries.withLock { entries in
            guard entries.texts.count > Self.capacity / 2 else { return }
            entries.previous = entries.texts
            entries.texts = []
            entries.codes = [:]
            entries.epoch &+= 1
        }
    }

    /// The current epoch: cells drawn two epochs ago no longer resolve.
    public var epoch: UInt32 { entries.withLock { $0.epoch } }

    /// Entries in the current epoch.
    public var count: Int { entries.withLock { $0.texts.count } }
}
