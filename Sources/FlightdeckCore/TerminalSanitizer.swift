/// Makes untrusted text safe to draw on a terminal.
///
/// Agent output is written by an LLM that runs code, so every byte of it is hostile. A raw
/// escape sequence could move the cursor and repaint the screen, set the window title, write
/// the clipboard (OSC 52) or plant a hyperlink (OSC 8); bidi and zero-width characters can
/// reorder or hide text (Trojan Source, ASCII smuggling in tag characters). kubectl shipped this
/// bug as CVE-2021-25743. Flightdeck fixes it once, at the entry point: every code point that
/// could act on a terminal, or hide or reorder text, becomes a visible escape, so `ESC [ 2 J`
/// reaches the screen as the harmless text `^[[2J`.
///
/// Escapes:
/// - C0 controls and DEL use caret notation: ESC `^[`, BEL `^G`, BS `^H`, NUL `^@`, DEL `^?`.
///   A CR is dropped when it ends a CRLF pair; a bare CR (an overwrite trick) becomes `^M`.
/// - C1 controls, bidi controls, invisible format characters and tag characters become
///   `<U+XXXX>`: uppercase hex, at least four digits (`<U+009B>`, `<U+202E>`, `<U+E0041>`).
/// - A zero-width joiner is kept only inside an emoji sequence (👨‍👩‍👧), where it cannot hide text.
///
/// `\n` and `\t` are kept: the renderer handles them and never writes them raw. Printable
/// Unicode (CJK, emoji, combining marks, variation selectors, private use, U+FFFD) is kept.
/// The output is idempotent: sanitising sanitised text changes nothing.
public enum TerminalSanitizer {
    /// Every code point that could act on a terminal, or hide/reorder text, becomes a visible escape.
    ///
    /// Returns `text` itself, without allocating, when it is already safe.
    public static func sanitize(_ text: String) -> String {
        var text = text
        let rewritten: String? = text.withUTF8 { bytes in
            guard var finding = nextUnsafe(in: bytes, from: 0) else { return nil }
            var output: [UInt8] = []
            output.reserveCapacity(bytes.count + bytes.count / 4 + 32)
            var copied = 0
            while true {
                output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[copied ..< finding.start]))
                append(finding.replacement, to: &output)
                copied = finding.start + finding.length
                guard let next = nextUnsafe(in: bytes, from: copied) else { break }
                finding = next
            }
            output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[copied...]))
            return String(decoding: output, as: UTF8.self)
        }
        return rewritten ?? text
    }

    /// True when `sanitize` would return the text unchanged (fast check).
    public static func isSafe(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { nextUnsafe(in: $0, from: 0) == nil }
    }
}

// MARK: - Scanning

extension TerminalSanitizer {
    /// What replaces one unsafe scalar.
    private enum Replacement {
        /// The CR of a CRLF pair: the LF alone ends the line.
        case drop
        /// A C0 control or DEL, shown as `^` and this character.
        case caret(UInt8)
        /// Any other unsafe scalar, shown as `<U+XXXX>`.
        case codePoint(UInt32)
    }

    /// One unsafe scalar: `length` UTF-8 bytes at `start`.
    private struct Finding {
        var start: Int
        var length: Int
        var replacement: Replacement
    }

    /// What a non-ASCII scalar needs.
    private enum Verdict {
        case keep
        case escape
        /// U+200D: kept only between two emoji.
        case joiner
    }

    /// The first unsafe scalar at or after `start`, or nil when the rest of `bytes` is safe.
    ///
    /// Sixteen bytes at a time are checked for being printable ASCII (one SIMD compare);
    /// only a chunk that is not is walked byte by byte, decoding scalars where a byte is not
    /// ASCII. `bytes` is valid UTF-8 (it comes from a String).
    private static func nextUnsafe(in bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Finding? {
        let count = bytes.count
        guard let base = bytes.baseAddress else { return nil }
        let space = SIMD16<UInt8>(repeating: 0x20)
        let delete = SIMD16<UInt8>(repeating: 0x7F)
        var i = start
        while i < count {
            if i &+ 16 <= count {
                let chunk = UnsafeRawPointer(base + i).loadUnaligned(as: SIMD16<UInt8>.self)
                // Test the mask's bits directly: `any(_:)` is not always inlined.
                let unprintable = unsafeBitCast((chunk .< space) .| (chunk .>= delete), to: SIMD2<UInt64>.self)
                if unprintable[0] | unprintable[1] == 0 {
                    i &+= 16
                    continue
                }
            }
            let stop = min(i &+ 16, count)
            while i < stop {
                let byte = base[i]
                if byte < 0x80 {
                    if (byte >= 0x20 && byte != 0x7F) || byte == 0x0A || byte == 0x09 {
                        i &+= 1
                        continue
                    }
                    if byte == 0x0D, i + 1 < count, base[i + 1] == 0x0A {
                        return Finding(start: i, length: 1, replacement: .drop)
                    }
                    let caret: UInt8 = byte == 0x7F ? UInt8(ascii: "?") : byte + 0x40
                    return Finding(start: i, length: 1, replacement: .caret(caret))
                }
                let (scalar, length) = decode(base, at: i)
                switch verdict(scalar) {
                case .keep:
                    break
                case .escape:
                    return Finding(start: i, length: length, replacement: .codePoint(scalar))
                case .joiner:
                    if !(isEmoji(scalarBefore(base, at: i))
                        && isEmoji(i + length < count ? decode(base, at: i + length).scalar : nil)) {
                        return Finding(start: i, length: length, replacement: .codePoint(scalar))
                    }
                }
                i &+= length
            }
        }
        return nil
    }

    /// The verdict for a non-ASCII scalar. The two big ranges of ordinary text come first.
    private static func verdict(_ scalar: UInt32) -> Verdict {
        switch scalar {
        case 0x2070 ..< 0xFEFF, 0xFFFC ..< 0x1BCA0: // symbols, CJK, Hangul, ... most of plane 1
            return .keep
        case 0x00A0 ..< 0x2000: // Latin to Mongolian
            return scalar == 0x00AD || scalar == 0x061C || scalar == 0x180E ? .escape : .keep
        case 0x0080 ... 0x009F, // C1 controls: 8-bit CSI, OSC, DCS, ST, PM, APC...
             0x200B, 0x200C, 0x200E, 0x200F, 0x2028 ... 0x202E, // zero-width, bidi marks, separators, embeddings
             0x2060 ... 0x206F, // word joiner, invisible operators, bidi isolates, deprecated formats
             0xFEFF, 0xFFF9 ... 0xFFFB, // BOM (zero-width no-break space), interlinear annotation
             0x1BCA0 ... 0x1BCA3, 0x1D173 ... 0x1D17A, // invisible format controls
             0xE0000 ... 0xE007F: // tag characters ("ASCII smuggling")
            return .escape
        case 0x200D:
            return .joiner
        default:
            return .keep
        }
    }

    /// Emoji that can be joined by U+200D. ASCII digits, `#` and `*` are emoji only in
    /// keycap sequences, so ASCII never counts. The pictograph planes (U+1F000–U+1FAFF) count
    /// whole, assigned or not; elsewhere the Unicode property decides. Kept out of line: the
    /// property lookup needs runtime type metadata, which the hot loop should not pay for.
    @inline(never)
    private static func isEmoji(_ scalar: UInt32?) -> Bool {
        guard let scalar, scalar == 0xA9 || scalar == 0xAE || scalar >= 0x203C else { return false }
        if (0x1F000 ... 0x1FAFF).contains(scalar) { return true }
        return Unicode.Scalar(scalar)?.properties.isEmoji ?? false
    }

    // MARK: - UTF-8

    /// Decodes the scalar whose lead byte is at `i`; the input is valid UTF-8.
    @inline(__always)
    private static func decode(_ base: UnsafePointer<UInt8>, at i: Int) -> (scalar: UInt32, length: Int) {
        let lead = UInt32(base[i])
        if lead < 0x80 { return (lead, 1) }
        if lead < 0xE0 {
            return ((lead & 0x1F) << 6 | UInt32(base[i + 1] & 0x3F), 2)
        }
        if lead < 0xF0 {
            return ((lead & 0x0F) << 12 | UInt32(base[i + 1] & 0x3F) << 6 | UInt32(base[i + 2] & 0x3F), 3)
        }
        let high = (lead & 0x07) << 18 | UInt32(base[i + 1] & 0x3F) << 12
        return (high | UInt32(base[i + 2] & 0x3F) << 6 | UInt32(base[i + 3] & 0x3F), 4)
    }

    /// The scalar that ends just before byte `i`, looking through U+FE0F (emoji presentation
    /// selector) as in 🏳️‍🌈. Nil at the start of the text.
    private static func scalarBefore(_ base: UnsafePointer<UInt8>, at i: Int) -> UInt32? {
        var end = i
        while end > 0 {
            var lead = end - 1
            while lead > 0, base[lead] & 0xC0 == 0x80 { lead -= 1 }
            let scalar = decode(base, at: lead).scalar
            if scalar == 0xFE0F {
                end = lead
                continue
            }
            return scalar
        }
        return nil
    }

    // MARK: - Output

    private static func append(_ replacement: Replacement, to output: inout [UInt8]) {
        switch replacement {
        case .drop:
            break
        case .caret(let character):
            output.append(UInt8(ascii: "^"))
            output.append(character)
        case .codePoint(let scalar):
            output.append(contentsOf: "<U+".utf8)
            var digits = 4
            while digits < 8, scalar >> (4 * UInt32(digits)) != 0 { digits += 1 }
            for position in stride(from: digits - 1, through: 0, by: -1) {
                let nibble = UInt8(truncatingIfNeeded: scalar >> (4 * UInt32(position))) & 0xF
                output.append(nibble < 10 ? 0x30 + nibble : 0x37 + nibble)
            }
            output.append(UInt8(ascii: ">"))
        }
    }
}
