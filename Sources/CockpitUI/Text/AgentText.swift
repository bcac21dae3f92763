/// Makes text that came from agents or the cluster fit for a cell, whatever slipped through.
///
/// Upstream (`TerminalSanitizer`) already escapes control and invisible characters before
/// anything is stored; this is the renderer's own guard, so a bug elsewhere can never put a
/// control character on the screen. In ASCII mode every non-ASCII character becomes one `?`
/// (a terminal without a UTF-8 locale would otherwise draw garbage and misalign columns).
public enum AgentText {
    /// `text` with every control or bidi/format character replaced (U+FFFD, or `?` in ASCII
    /// mode), tabs and newlines as spaces, and in ASCII mode each non-ASCII character as `?`.
    public static func displayable(_ text: some StringProtocol, ascii: Bool) -> String {
        if isPlainASCII(text) { return String(text) }
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            if character == "\n" || character == "\t" || character == "\r\n" {
                out.append(" ")
                continue
            }
            let unsafe = character.unicodeScalars.contains(where: isUnsafe)
            if ascii {
                out.append(unsafe || !character.isASCII ? "?" : character)
            } else {
                out.append(unsafe ? "\u{FFFD}" : character)
            }
        }
        return out
    }

    /// Each non-ASCII character as `?`, one per character (grapheme), so widths stay honest.
    public static func transliterated(_ text: some StringProtocol) -> String {
        if isPlainASCII(text) { return String(text) }
        return String(text.map { $0.isASCII && !$0.unicodeScalars.contains(where: isUnsafe) ? $0 : "?" })
    }

    /// Printable ASCII only: the common case, answered without looking at graphemes.
    @inline(__always)
    static func isPlainASCII(_ text: some StringProtocol) -> Bool {
        // Over the bytes in place when the string has them contiguous (native strings do): the
        // generic `allSatisfy` over a UTF-8 view is several times slower, and this runs for
        // every piece of text of every frame.
        if let answer = text.utf8.withContiguousStorageIfAvailable({ bytes in
            for byte in bytes where byte < 0x20 || byte >= 0x7F { return false }
            return true
        }) { return answer }
        return text.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F }
    }

    /// C0/C1 controls, DEL, and the invisible formatting characters that reorder or hide text.
    static func isUnsafe(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if value < 0x10000 { return unsafeInBasicPlane[Int(value)] }
        return computedUnsafe(scalar)
    }

    /// `isUnsafe` for the Basic Multilingual Plane, worked out once.
    private static let unsafeInBasicPlane: [Bool] = (0..<0x10000).map { value in
        Unicode.Scalar(UInt32(value)).map(computedUnsafe) ?? true
    }

    private static func computedUnsafe(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if value < 0x20 || (0x7F...0x9F).contains(value) { return true }
        if value == 0x200D || (0xFE00...0xFE0F).contains(value) { return false }  // emoji joiner, variation selectors
        return scalar.properties.generalCategory == .format
    }
}
