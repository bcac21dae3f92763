import FlightdeckCore
import Foundation

/// The last frame and what each of its panes was drawn from: `Cockpit.render(_:cache:)`
/// keeps a pane whose inputs are unchanged instead of drawing it again. An input of the
/// render, held by whoever presents frames (the loop), not hidden state: the same state with
/// or without a cache draws the same frame (tested over random sessions).
///
/// A pane's inputs are its part of the state and the texts that depend on the clock (ages,
/// countdowns, the timeline's column): a one-second tick redraws only a pane whose text it
/// changes.
public struct FrameCache: Sendable {
    struct Setting: Equatable {
        var width: Int
        var height: Int
        var theme: Theme
        var glyphs: GlyphSet
        var timeZone: TimeZone
        var glyphEpoch: UInt32
    }

    var frame: CellGrid?
    var setting: Setting?
    var keys: [PaneID: PaneKey] = [:]
    var traceLayouts: TraceLayoutCache? = TraceLayoutCache()
    /// Panes drawn by the last render (the others were kept): what tests and benchmarks look at.
    public internal(set) var drawn: Set<PaneID> = []

    public init() {}
}

/// What one pane's cells are a function of.
struct PaneKey: Equatable {
    var area: Rect
    var focused: Bool
    var content: Content

    enum Content: Equatable {
        case jobs(JobListState, ages: [String], usage: [String: JobUsage])
        case trace(revision: UInt64, jobs: [AgentJob], marked: Set<String>)
        case timeline(TimelinePane.Window?, lanes: [TimelineState.Lane?], selected: String?, secondsPerColumn: Double, clock: Int)
        case files(WorkspaceState, ages: [String])
    }

    static func of(_ pane: PaneID, state: CockpitState, area: Rect, focused: Bool) -> PaneKey {
        let content: Content
        switch pane {
        case .jobs:
            let jobs = state.jobs
            content = .jobs(jobs, ages: window(around: [jobs.top, jobs.selectedIndex], count: jobs.visible.count, span: area.height)
                .map { JobListPane.age(jobs.visible[$0], now: state.now) }, usage: state.usage.byJob)
        case .trace:
            content = .trace(revision: state.trace.revision, jobs: state.jobs.all, marked: state.jobs.marked)
        case .timeline:
            // The clock moves a lane only where "now" (the end of a running span) passes the
            // middle of a column; everything else comes with the window.
            let window = TimelinePane.window(state, body: Layout.interior(of: area))
            let spc = state.timeline.secondsPerColumn
            let clock = window.map { Int((state.now.timeIntervalSince($0.start) / spc - 0.5).rounded(.down)) } ?? 0
            content = .timeline(window, lanes: window?.lanes.map { state.timeline.lanes[$0.id] } ?? [],
                selected: state.jobs.selectedID, secondsPerColumn: spc, clock: clock)
        case .files:
            let workspace = state.workspace
            var ages = WorkspacePane.summaryAges(workspace.listing, now: state.now)
            for index in window(around: [workspace.top, workspace.cursor], count: workspace.entries.count, span: area.height) {
                if let modified = workspace.entries[index].modified { ages.append(DurationText.short(state.now.timeIntervalSince(modified))) }
            }
            content = .files(workspace, ages: ages)
        }
        return PaneKey(area: area, focused: focused, content: content)
    }

    /// Indices within `span` of any of `anchors`: every row a pane of that height can show
    /// (it scrolls to keep its first row or its cursor in view), and a few more.
    static func window(around anchors: [Int?], count: Int, span: Int) -> [Int] {
        var indices = Set<Int>()
        for anchor in anchors {
            guard let anchor else { continue }
            let low = max(0, anchor - span), high = min(count, anchor + span + 1)
            if low < high { indices.formUnion(low..<high) }
        }
        return indices.sorted()
    }
}
