import CockpitUI

/// Where frames go and keys come from: the ncurses terminal, or a recording for tests.
public protocol TerminalBackend: AnyObject {
    /// The terminal's size in cells.
    var size: (width: Int, height: Int) { get }
    /// Draws the cells of `runs` (from `FrameDiff`); `clear` first after a resize.
    func draw(_ runs: [FrameDiff.Run], clear: Bool)
}
