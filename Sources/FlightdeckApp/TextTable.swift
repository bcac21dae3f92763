/// Left-aligned columns separated by two spaces, like kubectl's tables.
/// Cells may come from the cluster or an agent, so each is made terminal-safe.
public enum TextTable {
    public static func render(_ rows: [[String]]) -> String {
        let cells = rows.map { $0.map(TerminalText.line) }
        var widths: [Int] = []
        for row in cells {
            for (index, value) in row.enumerated() {
                if index == widths.count { widths.append(0) }
                widths[index] = max(widths[index], value.count)
            }
        }
        var out = ""
        for row in cells {
            var line = ""
            for (index, value) in row.enumerated() {
                line += value
                if index < row.count - 1 { line += String(repeating: " ", count: widths[index] - value.count + 2) }
            }
            out += line + "\n"
        }
        return out
    }
}
