/// A cockpit colour scheme: a palette of named colours and a style per semantic slot.
///
/// Themes are data (DESIGN habit 9): they come from YAML (`Theme.parse`), the default one is
/// embedded in the binary so a missing or broken file never leaves the cockpit unstyled, and
/// widgets only ever call `style(_:)`.
public struct Theme: Sendable, Hashable {
    public var name: String
    /// Named colours the slots refer to.
    public var palette: [String: Color]
    /// Indexed by `ThemeSlot.rawValue`: a style lookup is an array access.
    private var styles: [Style]
    /// The slots the file set explicitly; the others inherit `base`.
    public private(set) var definedSlots: Set<ThemeSlot>

    /// A theme where every slot has `base`'s style, to be filled by `setStyle`.
    public init(name: String, palette: [String: Color] = [:], base: Style = .plain) {
        self.name = name
        self.palette = palette
        styles = Array(repeating: base, count: ThemeSlot.allCases.count)
        definedSlots = []
    }

    @inline(__always)
    public func style(_ slot: ThemeSlot) -> Style { styles[slot.rawValue] }

    /// Sets one slot (and, for `base`, every slot not set explicitly yet).
    public mutating func setStyle(_ style: Style, for slot: ThemeSlot) {
        if slot == .base {
            for other in ThemeSlot.allCases where !definedSlots.contains(other) { styles[other.rawValue] = style }
        }
        styles[slot.rawValue] = style
        definedSlots.insert(slot)
    }

    /// The slots a complete theme must define but this one leaves to `base`.
    public var undefinedSlots: [ThemeSlot] { ThemeSlot.allCases.filter { !definedSlots.contains($0) } }

    /// The theme as a terminal of `depth` can show it (see `ColorMapping`): the backend maps
    /// once per theme change, not per cell.
    public func mapped(to depth: ColorDepth) -> Theme {
        var copy = self
        copy.styles = styles.map { ColorMapping.map($0, to: depth) }
        copy.palette = palette.mapValues { ColorMapping.map($0, to: depth) }
        return copy
    }

    /// The built-in default (`themes/dark.yaml`, embedded), which always parses.
    public static let `default`: Theme = {
        do { return try Theme.parse(yaml: DefaultTheme.yaml, name: DefaultTheme.name) } catch {
            // A test pins that the embedded text parses; this is only a last resort.
            return Theme(name: DefaultTheme.name)
        }
    }()
}
