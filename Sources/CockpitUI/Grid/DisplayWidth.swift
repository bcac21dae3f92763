/// How many terminal columns text takes, from Unicode's East Asian Width and emoji
/// presentation, independent of the process locale (`wcwidth(3)` depends on it and on the
/// C library's tables; ours must match what the grid assumes).
///
/// A grapheme takes the width of its first scalar, except that an emoji presentation
/// selector (U+FE0F) or a skin-tone/ZWJ sequence makes it 2. Control characters take 0, but
/// they never reach the grid (text is sanitised before it is stored).
public enum DisplayWidth {
    public static func of(_ character: Character) -> Int {
        let scalars = character.unicodeScalars
        guard let first = scalars.first else { return 0 }
        if first.value < 0x7F { return first.value < 0x20 ? 0 : 1 }
        if scalars.count > 1, scalars.contains(where: { $0.value == 0xFE0F || $0.value == 0x200D }) { return 2 }
        return of(first)
    }

    public static func of(_ text: some StringProtocol) -> Int {
        var total = 0
        for character in text { total += of(character) }
        return total
    }

    public static func of(_ scalar: Unicode.Scalar) -> Int {
        let value = scalar.value
        if value < 0x300 { return value < 0x20 || (0x7F..<0xA0).contains(value) ? 0 : 1 }
        if value < 0x10000 { return Int(basicPlane[Int(value)]) }
        return computed(scalar)
    }

    /// Works out the widths table now, on the calling thread: a program about to draw its
    /// first frame starts this on another thread, so the frame does not wait for it.
    public static func prepare() { _ = basicPlane.count }

    /// The widths of the Basic Multilingual Plane, worked out once (about 8 ms here):
    /// Unicode property look-ups for every non-Latin glyph of every frame cost more.
    private static let basicPlane: [UInt8] = (0..<0x10000).map { value in
        Unicode.Scalar(UInt32(value)).map { UInt8(computed($0)) } ?? 1
    }

    private static func computed(_ scalar: Unicode.Scalar) -> Int {
        let value = scalar.value
        if value < 0x20 || (0x7F..<0xA0).contains(value) { return 0 }
        if value < 0x300 { return 1 }
        if isZeroWidth(scalar) { return 0 }
        return isWide(value) ? 2 : 1
    }

    private static func isZeroWidth(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format: return scalar.value != 0x00AD
        default: return (0x1160...0x11FF).contains(scalar.value)  // Hangul medial vowels, final consonants
        }
    }

    /// East Asian Wide and Fullwidth ranges, plus emoji with default emoji presentation.
    private static func isWide(_ value: UInt32) -> Bool {
        if let emoji = Unicode.Scalar(value)?.properties, emoji.isEmojiPresentation { return true }
        for range in wideRanges where range.contains(value) { return true }
        return false
    }

    private static let wideRanges: [ClosedRange<UInt32>] = [
        0x1100...0x115F, 0x231A...0x231B, 0x2329...0x232A, 0x2E80...0x303E, 0x3041...0x33FF,
        0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF, 0xA960...0xA97F, 0xAC00...0xD7A3,
        0xF900...0xFAFF, 0xFE10...0xFE19, 0xFE30...0xFE6F, 0xFF00...0xFF60, 0xFFE0...0xFFE6,
        0x16FE0...0x16FE4, 0x17000...0x18CFF, 0x1B000...0x1B2FF, 0x1F200...0x1F2FF,
        0x20000...0x2FFFD, 0x30000...0x3FFFD,
    ]
}
