import Yams

/// Reading a theme file:
///
/// ```yaml
/// palette:
///   bg: "#1a1b26"
///   accent: 33          # an xterm palette index
/// slots:
///   base: { fg: "#c0caf5", bg: bg }
///   jobList.selected: { fg: bg, bg: accent, attrs: [bold] }
/// ```
///
/// A colour is a palette name, `#rrggbb`, an xterm index 0-255, or `default` (the
/// terminal's own). Attributes: bold, dim, italic, underline, reverse. Unknown top-level
/// keys, slots and slot fields are errors, not warnings: a typo should be seen.
extension Theme {
    public static func parse(yaml: String, name: String) throws(ThemeError) -> Theme {
        let root: Node?
        do { root = try Yams.compose(yaml: yaml) } catch let error as YamlError {
            throw yamlError(error, file: name)
        } catch {
            throw ThemeError(file: name, problem: "not YAML: \(oneLine("\(error)"))")
        }
        guard let root else { throw ThemeError(file: name, problem: "empty theme file") }
        guard let top = root.mapping else {
            throw at(root, name, "a theme is a mapping with `palette` and `slots`")
        }
        var theme = Theme(name: name)
        var slotsNode: Node?
        for (key, value) in top {
            switch key.string {
            case "palette":
                guard let palette = value.mapping else { throw at(value, name, "`palette` must be a mapping of name: colour") }
                for (colourName, colourValue) in palette {
                    guard let text = colourName.string, !text.isEmpty else { throw at(colourName, name, "a palette name must be text") }
                    theme.palette[text] = try colour(colourValue, palette: [:], file: name)
                }
            case "slots": slotsNode = value
            case "name", "description": continue
            default: throw at(key, name, "unknown key \"\(key.string ?? "?")\" (expected palette, slots)")
            }
        }
        guard let slotsNode else { throw ThemeError(file: name, problem: "no `slots` mapping") }
        guard let slots = slotsNode.mapping else { throw at(slotsNode, name, "`slots` must be a mapping of slot: style") }
        // `base` first, so that slots the file leaves out inherit it whatever the order.
        let ordered = slots.sorted { a, b in a.key.string == "base" && b.key.string != "base" }
        for (key, value) in ordered {
            guard let slotName = key.string, let slot = ThemeSlot.byKey[slotName] else {
                throw at(key, name, "unknown slot \"\(key.string ?? "?")\"")
            }
            theme.setStyle(try style(value, palette: theme.palette, file: name), for: slot)
        }
        return theme
    }

    // MARK: - Values

    private static func style(_ node: Node, palette: [String: Color], file: String) throws(ThemeError) -> Style {
        guard let fields = node.mapping else { throw at(node, file, "a slot's style is a mapping with fg, bg, attrs") }
        var style = Style()
        for (key, value) in fields {
            switch key.string {
            case "fg": style.foreground = try colour(value, palette: palette, file: file)
            case "bg": style.background = try colour(value, palette: palette, file: file)
            case "attrs":
                let items: [Node]
                if let sequence = value.sequence { items = Array(sequence) } else { items = [value] }
                for item in items {
                    switch item.string {
                    case "bold": style.attributes.insert(.bold)
                    case "dim": style.attributes.insert(.dim)
                    case "italic": style.attributes.insert(.italic)
                    case "underline": style.attributes.insert(.underline)
                    case "reverse": style.attributes.insert(.reverse)
                    default:
                        throw at(item, file, "unknown attribute \"\(item.string ?? "?")\" (bold, dim, italic, underline, reverse)")
                    }
                }
            default: throw at(key, file, "unknown style field \"\(key.string ?? "?")\" (expected fg, bg, attrs)")
            }
        }
        return style
    }

    private static func colour(_ node: Node, palette: [String: Color], file: String) throws(ThemeError) -> Color {
        guard let text = node.scalar?.string else { throw at(node, file, "a colour must be a single value") }
        if text == "default" { return .terminalDefault }
        if text.hasPrefix("#") {
            let hex = text.dropFirst()
            guard hex.count == 6, let value = UInt32(hex, radix: 16) else {
                throw at(node, file, "bad colour \"\(text)\" (expected #rrggbb)")
            }
            return .rgb(UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF))
        }
        if let index = Int(text) {
            guard (0...255).contains(index) else { throw at(node, file, "bad colour \(text) (an xterm index is 0-255)") }
            return .indexed(UInt8(index))
        }
        if let named = palette[text] { return named }
        throw at(node, file, "bad colour \"\(text)\" (not in the palette; use #rrggbb, 0-255 or default)")
    }

    // MARK: - Errors

    private static func at(_ node: Node, _ file: String, _ problem: String) -> ThemeError {
        ThemeError(file: file, line: node.mark?.line, column: node.mark?.column, problem: problem)
    }

    private static func yamlError(_ error: YamlError, file: String) -> ThemeError {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            return ThemeError(file: file, line: mark.line, column: mark.column, problem: "YAML: \(problem)")
        default:
            return ThemeError(file: file, problem: "YAML: \(oneLine("\(error)"))")
        }
    }

    private static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).first.map(String.init) ?? text
    }
}
