/// Maps theme colours down to what a terminal can show (`ColorDepth`). Themes are written in
/// truecolour; a 256-colour terminal gets the nearest cube or grey entry, a 16-colour one the
/// nearest ANSI colour, and a monochrome one the terminal's own colours with the attributes
/// kept (so selection still shows, through `reverse`). Pure, so the backend can map a theme
/// once per change instead of per cell.
public enum ColorMapping {
    public static func map(_ style: Style, to depth: ColorDepth) -> Style {
        Style(foreground: map(style.foreground, to: depth), background: map(style.background, to: depth),
              attributes: style.attributes)
    }

    public static func map(_ color: Color, to depth: ColorDepth) -> Color {
        switch (color, depth) {
        case (.terminalDefault, _), (_, .truecolor): return color
        case (_, .monochrome): return .terminalDefault
        case (.indexed, .palette256): return color
        case (.rgb(let r, let g, let b), .palette256): return .indexed(nearest256(r, g, b))
        case (.indexed(let index), .ansi16):
            if index < 16 { return color }
            let (r, g, b) = rgb(ofIndex: index)
            return .indexed(nearest16(r, g, b))
        case (.rgb(let r, let g, let b), .ansi16): return .indexed(nearest16(r, g, b))
        }
    }

    /// The xterm default RGB of a palette index.
    public static func rgb(ofIndex index: UInt8) -> (UInt8, UInt8, UInt8) {
        switch index {
        case 0..<16: return ansi[Int(index)]
        case 16..<232:
            let value = Int(index) - 16
            return (cubeLevels[value / 36], cubeLevels[value / 6 % 6], cubeLevels[value % 6])
        default:
            let grey = UInt8(8 + 10 * (Int(index) - 232))
            return (grey, grey, grey)
        }
    }

    /// The nearest entry of the 6×6×6 cube or the grey ramp (16–255). The first 16 are left
    /// out: users recolour them, so they are not a fixed target.
    public static func nearest256(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> UInt8 {
        let (ri, gi, bi) = (nearestLevel(r), nearestLevel(g), nearestLevel(b))
        let cube = UInt8(16 + 36 * ri + 6 * gi + bi)
        let cubeDistance = distance((r, g, b), (cubeLevels[ri], cubeLevels[gi], cubeLevels[bi]))
        let average = (Int(r) + Int(g) + Int(b)) / 3
        let greyStep = min(23, max(0, (average - 3) / 10))
        let grey = UInt8(8 + 10 * greyStep)
        let greyDistance = distance((r, g, b), (grey, grey, grey))
        return greyDistance < cubeDistance ? UInt8(232 + greyStep) : cube
    }

    /// The nearest of the 16 ANSI colours (by their xterm defaults).
    public static func nearest16(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> UInt8 {
        var best = 0
        var bestDistance = Int.max
        for (index, entry) in ansi.enumerated() {
            let d = distance((r, g, b), entry)
            if d < bestDistance { (best, bestDistance) = (index, d) }
        }
        return UInt8(best)
    }

    // MARK: - Tables

    private static let cubeLevels: [UInt8] = [0, 95, 135, 175, 215, 255]

    private static let ansi: [(UInt8, UInt8, UInt8)] = [
        (0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205), (0, 205, 205), (229, 229, 229),
        (127, 127, 127), (255, 0, 0), (0, 255, 0), (255, 255, 0), (92, 92, 255), (255, 0, 255), (0, 255, 255), (255, 255, 255),
    ]

    private static func nearestLevel(_ value: UInt8) -> Int {
        var best = 0
        for (index, level) in cubeLevels.enumerated() where abs(Int(level) - Int(value)) < abs(Int(cubeLevels[best]) - Int(value)) {
            best = index
        }
        return best
    }

    /// Squared distance, weighted towards green as the eye is (a cheap stand-in for a
    /// perceptual metric that keeps greys grey).
    private static func distance(_ a: (UInt8, UInt8, UInt8), _ b: (UInt8, UInt8, UInt8)) -> Int {
        let dr = Int(a.0) - Int(b.0), dg = Int(a.1) - Int(b.1), db = Int(a.2) - Int(b.2)
        return 2 * dr * dr + 4 * dg * dg + 3 * db * db
    }
}
