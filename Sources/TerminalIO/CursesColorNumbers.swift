import CockpitUI

/// Turns an already depth-mapped `Color` into the colour number ncurses expects, which
/// depends on the terminfo entry: palette indices below `COLORS`, or packed 0xRRGGBB values
/// for direct-colour entries (`xterm-direct`), where numbers below 8 still mean the ANSI
/// colours.
public struct CursesColorNumbers: Sendable, Hashable {
    public var colors: Int
    public var direct: Bool

    public init(colors: Int, direct: Bool) {
        self.colors = colors
        self.direct = direct
    }

    public func number(for color: Color) -> Int32 {
        switch color {
        case .terminalDefault: return -1
        case let .indexed(index):
            if direct {
                if index < 8 { return Int32(index) }
                let (r, g, b) = ColorMapping.rgb(ofIndex: index)
                return packed(r, g, b)
            }
            if Int(index) < colors { return Int32(index) }
            // An 8-colour terminal: bright ANSI colours fall back to their normal twins.
            if index < 16, Int(index) - 8 < colors { return Int32(index) - 8 }
            let (r, g, b) = ColorMapping.rgb(ofIndex: index)
            let nearest = Int32(ColorMapping.nearest16(r, g, b))
            return Int(nearest) < colors ? nearest : (Int(nearest) - 8 < colors && nearest >= 8 ? nearest - 8 : -1)
        case let .rgb(r, g, b):
            if direct { return packed(r, g, b) }
            return number(for: .indexed(colors >= 256 ? ColorMapping.nearest256(r, g, b) : ColorMapping.nearest16(r, g, b)))
        }
    }

    /// 0xRRGGBB, nudged off 0–7 (which direct-colour terminfo reserves for the ANSI colours).
    private func packed(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> Int32 {
        let value = Int32(r) << 16 | Int32(g) << 8 | Int32(b)
        return value < 8 ? 8 : value
    }
}
