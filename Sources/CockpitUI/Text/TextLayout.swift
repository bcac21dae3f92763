/// Fitting text into columns by display width (CJK and emoji take two).
public enum TextLayout {
    /// Columns `text` takes: its length when it is printable ASCII (no grapheme walk).
    public static func width(_ text: some StringProtocol) -> Int {
        AgentText.isPlainASCII(text) ? text.utf8.count : DisplayWidth.of(text)
    }

    /// `text` cut to `width` columns, ending in `ellipsis` when cut.
    public static func truncate(_ text: String, to width: Int, ellipsis: String) -> String {
        guard width > 0 else { return "" }
        if text.utf8.count <= width, AgentText.isPlainASCII(text) { return text }
        if DisplayWidth.of(text) <= width { return text }
        let ellipsisWidth = DisplayWidth.of(ellipsis)
        let room = width - ellipsisWidth
        guard room > 0 else { return String(text.prefix(width)) }
        var out = ""
        var used = 0
        for character in text {
            let w = DisplayWidth.of(character)
            if used + w > room { break }
            out.append(character)
            used += w
        }
        return out + ellipsis
    }

    /// `text` broken into lines of at most `width` columns, at a space when one is near.
    public static func wrap(_ text: String, width: Int) -> [String] {
        guard width > 0 else { return [text] }
        var lines: [String] = []
        var line = ""
        var used = 0
        var lastSpace: String.Index?
        for character in text {
            let w = DisplayWidth.of(character)
            if used + w > width {
                if let space = lastSpace, line.distance(from: line.startIndex, to: space) > 0 {
                    let head = String(line[..<space])
                    let tail = String(line[line.index(after: space)...])
                    lines.append(head)
                    line = tail
                    used = DisplayWidth.of(tail)
                    if used + w > width {
                        lines.append(line)
                        line = ""
                        used = 0
                    }
                } else {
                    lines.append(line)
                    line = ""
                    used = 0
                }
                lastSpace = nil
                if character == " " { continue }
            }
            if character == " " { lastSpace = line.endIndex }
            line.append(character)
            used += w
        }
        lines.append(line)
        return lines
    }

    /// `text` padded with spaces to `width` columns (not cut).
    public static func pad(_ text: String, to width: Int) -> String {
        let missing = width - Self.width(text)
        return missing > 0 ? text + String(repeating: " ", count: missing) : text
    }
}
