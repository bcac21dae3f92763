import ConfigYAML

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
        let document: YAMLDocument
        do throws(YAMLError) {
            document = try YAMLDocument(text: yaml, source: name, limits: limits)
        } catch {
            throw ThemeError(error)
        }
        guard let root = document.root else { throw ThemeError(file: name, problem: "empty theme file") }
        do throws(YAMLError) {
            return try read(root, name: name)
        } catch {
            throw ThemeError(error)
        }
    }

    /// A theme is a few dozen lines; the cockpit reads no theme file past 256 KiB either.
    static let limits = YAMLDocument.Limits(maxBytes: 256 * 1024)

    private static func read(_ root: YAMLValue, name: String) throws(YAMLError) -> Theme {
        guard let top = try root.mapping(expected: "a mapping with palette and slots") else {
            throw root.error(expected: "a mapping with palette and slots", kind: .wrongType)
        }
        try top.rejectUnknownKeys(["palette", "slots", "name", "description"])
        var theme = Theme(name: name)
        for entry in try top.mapping("palette", expected: "a mapping of name: colour")?.entries() ?? [] {
            guard !entry.name.isEmpty else { throw entry.key.error("a palette name must be text") }
            theme.palette[entry.name] = try colour(entry.value, palette: [:])
        }
        guard let slots = try top.mapping("slots", expected: "a mapping of slot: style") else { throw top.missing("slots") }
        // `base` first, so that slots the file leaves out inherit it whatever the order.
        let ordered = try slots.entries().sorted { a, b in a.name == "base" && b.name != "base" }
        for entry in ordered {
            guard let slot = ThemeSlot.byKey[entry.name] else {
                throw entry.key.error("unknown slot \"\(entry.name)\"")
            }
            theme.setStyle(try style(entry.value, palette: theme.palette), for: slot)
        }
        return theme
    }

    // MARK: - Values

    private static func style(_ value: YAMLValue, palette: [String: Color]) throws(YAMLError) -> Style {
        let expected = "a style: a mapping with fg, bg, attrs"
        guard let fields = try value.mapping(expected: expected) else { throw value.error(expected: expected, kind: .wrongType) }
        try fields.rejectUnknownKeys(["fg", "bg", "attrs"])
        var style = Style()
        if let foreground = fields["fg"] { style.foreground = try colour(foreground, palette: palette) }
        if let background = fields["bg"] { style.background = try colour(background, palette: palette) }
        if let attributes = fields["attrs"] {
            for item in attributes.isList ? try attributes.list() ?? [] : [attributes] {
                let text = try item.string(expected: "an attribute")
                switch text {
                case "bold": style.attributes.insert(.bold)
                case "dim": style.attributes.insert(.dim)
                case "italic": style.attributes.insert(.italic)
                case "underline": style.attributes.insert(.underline)
                case "reverse": style.attributes.insert(.reverse)
                default:
                    throw item.error("unknown attribute \"\(text ?? "")\" (bold, dim, italic, underline, reverse)")
                }
            }
        }
        return style
    }

    private static func colour(_ value: YAMLValue, palette: [String: Color]) throws(YAMLError) -> Color {
        let expected = "a colour (#rrggbb, 0-255, default or a palette name)"
        guard let text = try value.string(expected: expected) else { throw value.error(expected: expected, kind: .wrongType) }
        if text == "default" { return .terminalDefault }
        if text.hasPrefix("#") {
            let hex = text.dropFirst()
            guard hex.count == 6, let rgb = UInt32(hex, radix: 16) else {
                throw value.error("bad colour \"\(text)\" (expected #rrggbb)")
            }
            return .rgb(UInt8(rgb >> 16 & 0xFF), UInt8(rgb >> 8 & 0xFF), UInt8(rgb & 0xFF))
        }
        if let index = Int(text) {
            guard (0...255).contains(index) else { throw value.error("bad colour \(text) (an xterm index is 0-255)") }
            return .indexed(UInt8(index))
        }
        if let named = palette[text] { return named }
        throw value.error("bad colour \"\(text)\" (not in the palette; use #rrggbb, 0-255 or default)")
    }
}
