import CockpitUI

/// Maps the colours a theme names to what the terminal's `ColorDepth` can show. Pure, so the
/// choice of "nearest" is tested, and the same on every backend.
///
/// Palette indices 0–15 are left as they are (the user's own terminal palette defines them);
/// truecolour is brought down to the xterm 6×6×6 cube and grey ramp by the usual formula, or
/// to the nearest of the 16 ANSI colours by their standard xterm values.
public enum ColorMapping {
    /// One colour at `depth`: `.terminalDefault` stays; monochrome turns everything into it.
    public static func map(_ color: Color, to depth: ColorDepth) -> Color {
        switch (color, depth) {
        case (.terminalDefault, _), (_, .truecolor): return color
        case (_, .monochrome): return .terminalDefault
        case (.indexed, .palette256): return color
        case let (.rgb(r, g, b), .palette256): return .indexed(nearest256(r, g, b))
        case let (.indexed(index), .ansi16):
            if index < 16 { return color }
            let (r, g, b) = rgb(ofIndex: index)
            return .indexed(nearest16(r, g, b))
        case let (.rgb(r, g, b), .ansi16): return .indexed(nearest16(r, g, b))
        }
    }

    /// A whole style at `depth`. Monochrome drops the colours but keeps every attribute,
    /// reverse included: a theme that marks selections with `.reverse` (as the monochrome
    /// slots should) keeps them visible. Guessing reverse from a background colour would
    /// invert whole panels of light themes, so it is not done here.
    public static func map(_ style: Style, to depth: ColorDepth) -> Style {
        Style(foreground: map(style.foreground, to: depth), background: map(style.background, to: depth),
              attributes: style.attributes)
    }

    // MARK: - The xterm palette

    /// The six levels of each axis of the xterm colour cube (indices 16–231).
    static let cubeLevels: [Int] = [0, 95, 135, 175, 215, 255]

    /// The standard xterm values of the 16 ANSI colours (terminals differ; this is the usual
    /// reference, and "nearest" only needs the neighbourhood right).
    static let ansi: [(Int, Int, Int)] = [
        (0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205), (0, 205, 205), (229, 229, 229),
        (127, 127, 127), (255, 0, 0), (0, 255, 0), (255, 255, 0), (92, 92, 255), (255, 0, 255), (0, 255, 255),
        (255, 255, 255),
    ]

    /// The RGB value of palette entry `index` in the xterm default palette.
    public static func rgb(ofIndex index: UInt8) -> (UInt8, UInt8, UInt8) {
        let i = Int(index)
        if i < 16 {
            let (r, g, b) = ansi[i]
            return (UInt8(r), UInt8(g), UInt8(b))
        }
        if i >= 232 {
            let level = UInt8(8 + 10 * (i - 232))
            return (level, level, level)
        }
        let cube = i - 16
        return (UInt8(cubeLevels[cube / 36]), UInt8(cubeLevels[(cube / 6) % 6]), UInt8(cubeLevels[cube % 6]))
    }

    /// The nearest entry of the cube (16–231) or the grey ramp (232–255): never 0–15, whose
    /// values the user may have changed.
    public static func nearest256(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> UInt8 {
        func axis(_ value: UInt8) -> Int {
            let v = Int(value)
            return v < 48 ? 0 : v < 115 ? 1 : (v - 35) / 40
        }
        let (ri, gi, bi) = (axis(r), axis(g), axis(b))
        let cubeIndex = 16 + 36 * ri + 6 * gi + bi
        let cubeDistance = distance((r, g, b), (cubeLevels[ri], cubeLevels[gi], cubeLevels[bi]))
        let average = (Int(r) + Int(g) + Int(b)) / 3
        let greyStep = average > 238 ? 23 : max(0, (average - 3) / 10)
        let grey = 8 + 10 * greyStep
        let greyDistance = distance((r, g, b), (grey, grey, grey))
        return UInt8(greyDistance < cubeDistance ? 232 + greyStep : cubeIndex)
    }

    /// The nearest of the 16 ANSI colours.
    public static func nearest16(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> UInt8 {
        var best = 0
        var bestDistance = Int.max
        for (index, entry) in ansi.enumerated() {
            let d = distance((r, g, b), entry)
            if d < bestDistance { (best, bestDistance) = (index, d) }
        }
        return UInt8(best)
    }

    /// Squared distance weighted roughly by how the eye weighs red, green and blue.
    static func distance(_ a: (UInt8, UInt8, UInt8), _ b: (Int, Int, Int)) -> Int {
        let dr = Int(a.0) - b.0, dg = Int(a.1) - b.1, db = Int(a.2) - b.2
        return 3 * dr * dr + 4 * dg * dg + 2 * db * db
    }
}
