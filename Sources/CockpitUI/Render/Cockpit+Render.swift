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

    /// The same frame as `render(_:width:height:theme:glyphs:)`, drawing again only the panes
    /// whose inputs changed since the frame in `cache` (which it then holds); the status bar
    /// is always drawn, and an overlay (drawn over the panes) makes a full frame.
    public static func render(_ state: CockpitState, width: Int, height: Int, theme: Theme? = nil,
                              glyphs: GlyphSet? = nil, cache: inout FrameCache) -> CellGrid {
        let theme = theme ?? state.theme
        let glyphs = glyphs ?? state.glyphs
        let setting = FrameCache.Setting(width: width, height: height, theme: theme, glyphs: glyphs, timeZone: state.timeZone,
            glyphEpoch: GlyphTable.shared.epoch)
        let layout = Layout(width: width, height: height, focus: state.focus, secondary: state.secondary)
        let dialog: Bool = switch state.overlay {
        case .help, .confirm, .taskForm, .steer, .pickQueue: true  // drawn over the panes
        case .none, .commandLine, .search, .jobFilter: false
        }
        let reusable = layout.mode != .tooSmall && !dialog
        guard reusable, cache.setting == setting, var grid = cache.frame else {
            let grid = render(state, width: width, height: height, theme: theme, glyphs: glyphs)
            cache.frame = reusable ? grid : nil
            cache.setting = reusable ? setting : nil
            cache.keys = reusable ? Dictionary(uniqueKeysWithValues: layout.panes.map { pane, rect in
                (pane, PaneKey.of(pane, state: state, area: rect, focused: pane == state.focus))
            }) : [:]
            cache.drawn = Set(layout.panes.keys)
            return grid
        }
        let base = theme.style(.base)
        var keys: [PaneID: PaneKey] = [:]
        var drawn: Set<PaneID> = []
        for (pane, rect) in layout.panes.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            let focused = pane == state.focus
            let key = PaneKey.of(pane, state: state, area: rect, focused: focused)
            keys[pane] = key
            if cache.keys[pane] == key { continue }
            drawn.insert(pane)
            grid.fill(rect, style: base)
            switch pane {
            case .jobs: JobListPane(state: state, theme: theme, glyphs: glyphs).render(into: &grid, area: rect, focused: focused)
            case .trace:
                TracePane(state: state, theme: theme, glyphs: glyphs).render(into: &grid, area: rect, focused: focused,
                    layouts: &cache.traceLayouts)
            case .timeline: TimelinePane(state: state, theme: theme, glyphs: glyphs).render(into: &grid, area: rect, focused: focused)
            case .files: WorkspacePane(state: state, theme: theme, glyphs: glyphs).render(into: &grid, area: rect, focused: focused)
            }
        }
        grid.fill(layout.statusBar, style: base)
        StatusBar(state: state, theme: theme, glyphs: glyphs).render(into: &grid, area: layout.statusBar)
        cache.frame = grid
        cache.keys = keys
        cache.drawn = drawn
        return grid
    }

    /// The frame at the state's own size and theme.
    public static func render(_ state: CockpitState) -> CellGrid {
        render(state, width: state.width, height: state.height)
    }
}
