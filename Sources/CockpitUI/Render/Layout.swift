/// Where each pane goes at a given terminal size. Pure, so `update` can ask how many rows
/// the trace has (to keep its cursor on screen) and `render` draws into the same rects.
///
/// - `full` (≥ 140×40): jobs over files on the left, trace over timeline on the right.
/// - `medium` (≥ 60×16, e.g. 80×24): jobs on top, the trace, and one of timeline/files
///   under it (the one focused last; Tab reaches both).
/// - `compact` (smaller, e.g. 20×6): the focused pane alone.
/// - `tooSmall`: only a one-line notice.
public struct Layout: Sendable, Hashable {
    public enum Mode: Sendable, Hashable { case full, medium, compact, tooSmall }

    public let mode: Mode
    /// The outer rect (border included) of each pane shown.
    public let panes: [PaneID: Rect]
    public let statusBar: Rect

    public init(width: Int, height: Int, focus: PaneID, secondary: PaneID) {
        let width = max(0, width), height = max(0, height)
        if width < 12 || height < 3 {
            mode = .tooSmall
            panes = [:]
            statusBar = Rect(x: 0, y: 0, width: 0, height: 0)
            return
        }
        let (body, bar) = Rect(x: 0, y: 0, width: width, height: height).splitTop(height - 1)
        statusBar = bar
        if width >= 140, height >= 40 {
            mode = .full
            let (left, right) = body.splitLeft(max(50, width * 45 / 100))
            let (jobs, files) = left.splitTop(left.height * 55 / 100)
            let (trace, timeline) = right.splitTop(right.height - max(8, right.height * 30 / 100))
            panes = [.jobs: jobs, .files: files, .trace: trace, .timeline: timeline]
        } else if width >= 60, height >= 16 {
            mode = .medium
            let (jobs, rest) = body.splitTop(max(6, body.height * 35 / 100))
            let (trace, bottom) = rest.splitTop(rest.height - max(6, rest.height * 40 / 100))
            let shown: PaneID = focus == .timeline || focus == .files ? focus : secondary
            panes = [.jobs: jobs, .trace: trace, shown: bottom]
        } else {
            mode = .compact
            panes = [focus: body]
        }
    }

    /// The rect inside a pane's border (the pane itself when too small for one).
    public static func interior(of rect: Rect) -> Rect {
        hasBorder(rect) ? rect.inset(by: 1) : rect
    }

    static func hasBorder(_ rect: Rect) -> Bool { rect.width >= 6 && rect.height >= 3 }
}
