/// A colour as a theme names it. The terminal backend maps it to what the terminal can show
/// (`ColorDepth`): truecolour as is, else the nearest of the 256 or 16 palette entries.
public enum Color: Sendable, Hashable {
    /// The terminal's own foreground or background.
    case terminalDefault
    /// An entry of the xterm palette: 0–15 the ANSI colours, 16–255 the cube and greys.
    case indexed(UInt8)
    case rgb(UInt8, UInt8, UInt8)

    /// One number per colour: 0 the default, `1 << 24 | n` an index, `2 << 24 | rgb` a truecolour.
    var packed: UInt32 {
        switch self {
        case .terminalDefault: 0
        case .indexed(let index): 1 << 24 | UInt32(index)
        case .rgb(let red, let green, let blue): 2 << 24 | UInt32(red) << 16 | UInt32(green) << 8 | UInt32(blue)
        }
    }

    init(packed: UInt32) {
        switch packed >> 24 {
        case 1: self = .indexed(UInt8(packed & 0xFF))
        case 2: self = .rgb(UInt8(packed >> 16 & 0xFF), UInt8(packed >> 8 & 0xFF), UInt8(packed & 0xFF))
        default: self = .terminalDefault
        }
    }
}

/// Text attributes, as the terminal draws them.
public struct TextAttributes: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let bold = TextAttributes(rawValue: 1 << 0)
    public static let dim = TextAttributes(rawValue: 1 << 1)
    public static let italic = TextAttributes(rawValue: 1 << 2)
    public static let underline = TextAttributes(rawValue: 1 << 3)
    public static let reverse = TextAttributes(rawValue: 1 << 4)
}

/// How one cell is drawn. Widgets never build these from literals: they ask the theme for a
/// slot's style (`theme.style(.traceError)`).
///
/// The colours are held packed in integers, so that comparing two styles (the frame diff
/// does it for every cell of every frame) is comparing three numbers.
public struct Style: Sendable, Hashable {
    private var packedForeground: UInt32
    private var packedBackground: UInt32
    public var attributes: TextAttributes

    public init(foreground: Color = .terminalDefault, background: Color = .terminalDefault, attributes: TextAttributes = []) {
        packedForeground = foreground.packed
        packedBackground = background.packed
        self.attributes = attributes
    }

    public var foreground: Color {
        get { Color(packed: packedForeground) }
        set { packedForeground = newValue.packed }
    }

    public var background: Color {
        get { Color(packed: packedBackground) }
        set { packedBackground = newValue.packed }
    }

    public static let plain = Style()

    public func adding(_ extra: TextAttributes) -> Style {
        var copy = self
        copy.attributes.formUnion(extra)
        return copy
    }
}
