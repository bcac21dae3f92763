import FlightdeckCore
import Foundation

extension Cockpit {
    /// Draws the whole frame: pure, so tests assert on `grid.lines` and the runtime hands
    /// the grid to `FrameDiff`. `theme` is the state's theme mapped to the terminal's colour
    /// depth (`Theme.mapped(to:)`, done once per change by the runtime); `glyphs` defaults
    /// to the state's.
    public static func render(_ state: CockpitState, width: Int, height: Int, theme: Theme? = nil,
                              glyphs: GlyphSet? = nil) -> CellGrid {
        let theme = theme ?? state.theme
        let glyphs = glyphs ?? state.glyphs
        var grid = CellGrid(width: width, height: height, fill: Cell(text: " ", width: 1, style: theme.style(.base)))
        let layout = Layout(width: width, height: height, focus: state.focus, secondary: state.secondary)
        if layout.mode == .tooSmall {
            let notice = width >= 18 ? "terminal too small" : width >= 9 ? "too small" : "!"
            grid.put(notice, x: 0, y: 0, style: theme.style(.statusBarError))
            return grid
        }
        for (pane, rect) in layout.panes.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            let focused = pane == state.focus
            switch pane {
            case .jobs: JobListPane(state: state, theme: theme, glyphs: glyphs).render(into: &grid, area: rect, focused: focused)
            case .trace: TracePane(state: state, theme: theme, glyphs: glyphs).render(into: &grid, area: rect, focused: focused)
            case .timeline: TimelinePane(state: state, theme: theme, glyphs: glyphs).render(into: &grid, area: rect, focused: focused)
            case .files: WorkspacePane(state: state, theme: theme, glyphs: glyphs).render(into: &grid, area: rect, focused: focused)
            }
        }
        StatusBar(state: state, theme: theme, glyphs: glyphs).render(into: &grid, area: layout.statusBar)
        OverlayView(state: state, theme: theme, glyphs: glyphs).render(into: &grid)
        return grid
    }

    /// The frame at the state's own size and theme.
    public static func render(_ state: CockpitState) -> CellGrid {
        render(state, width: state.width, height: state.height)
    }
}
