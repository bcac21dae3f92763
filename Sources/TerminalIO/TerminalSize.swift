/// The terminal's size in cells: what a frame must be rendered at.
public struct TerminalSize: Sendable, Hashable, CustomStringConvertible {
    public var width: Int
    public var height: Int

    public init(width: Int, height: Int) {
        self.width = width
        self.height = height
    }

    /// `100x30`: how the diagnostic screen and bug reports print it.
    public var description: String { "\(width)x\(height)" }
}
