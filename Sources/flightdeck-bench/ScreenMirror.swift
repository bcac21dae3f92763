import CockpitUI
import TerminalIO

/// What a terminal shows, kept from the runs drawn to it: how a benchmark reads the screen
/// the person would see, rather than the cockpit's state.
struct ScreenMirror {
    private var rows: [[Cell]] = []

    /// Applies one draw; a clear or a new size starts from a blank screen.
    mutating func apply(_ runs: [FrameDiff.Run], clear: Bool, size: TerminalSize) {
        if clear || rows.count != size.height || rows.first?.count != size.width {
            rows = Array(repeating: Array(repeating: Cell.blank, count: size.width), count: size.height)
        }
        for run in runs where run.y < rows.count {
            for (offset, cell) in run.cells.enumerated() where run.x + offset < size.width {
                rows[run.y][run.x + offset] = cell
            }
        }
    }

    var height: Int { rows.count }

    func text(row: Int) -> String {
        var line = ""
        for cell in rows[row] where !cell.isContinuation { line += cell.text }
        return line
    }
}
