/// A semantic place in the cockpit that a theme styles. Widgets ask for a slot's style and
/// never name a colour, so a theme file can restyle every pixel without touching code.
///
/// The raw value indexes the theme's style table (a lookup per cell run must be cheap);
/// `key` is the name a theme file uses.
public enum ThemeSlot: Int, CaseIterable, Sendable, Hashable {
    case base
    case border
    case borderFocused
    case paneTitle
    case paneTitleFocused

    case jobListHeader
    case jobListRow
    case jobListSelected
    case jobListMarked
    case jobListDeleted
    case jobListReason
    case jobListStatusPending
    case jobListStatusSuspended
    case jobListStatusQueued
    case jobListStatusRunning
    case jobListStatusSucceeded
    case jobListStatusFailed
    case jobListStatusDeleted
    case jobListOverBudget

    case traceTimestamp
    case tracePhase
    case traceThought
    case traceAction
    case traceTool
    case traceObservation
    case traceObservationFailed
    case traceMessage
    case traceError
    case traceSelected
    case traceSearchMatch
    case traceBadge
    case traceFold
    case traceJobLabel

    case timelineAxis
    case timelineLabel
    case timelineStrategic
    case timelineTactical
    case timelineOtherPhase
    case timelineCursor
    case timelineMarkerPodRestart
    case timelineMarkerRetry
    case timelineMarkerCheckpoint
    case timelineMarkerFailure

    case filesDirectory
    case filesFile
    case filesSelected
    case filesMeta
    case filesStale
    case filesPreview

    case statusBarBase
    case statusBarContext
    case statusBarConnected
    case statusBarReconnecting
    case statusBarDown
    case statusBarReadOnly
    case statusBarHint
    case statusBarMessage
    case statusBarError
    case statusBarUsage
    case statusBarOverBudget

    case dialogBase
    case dialogBorder
    case dialogTitle
    case dialogField
    case dialogFieldFocused
    case dialogDanger
    case helpKey
    case commandLine

    /// The slot's name in a theme file.
    public var key: String {
        switch self {
        case .base: "base"
        case .border: "border"
        case .borderFocused: "border.focused"
        case .paneTitle: "pane.title"
        case .paneTitleFocused: "pane.titleFocused"
        case .jobListHeader: "jobList.header"
        case .jobListRow: "jobList.row"
        case .jobListSelected: "jobList.selected"
        case .jobListMarked: "jobList.marked"
        case .jobListDeleted: "jobList.deleted"
        case .jobListReason: "jobList.reason"
        case .jobListStatusPending: "jobList.status.pending"
        case .jobListStatusSuspended: "jobList.status.suspended"
        case .jobListStatusQueued: "jobList.status.queued"
        case .jobListStatusRunning: "jobList.status.running"
        case .jobListStatusSucceeded: "jobList.status.succeeded"
        case .jobListStatusFailed: "jobList.status.failed"
        case .jobListStatusDeleted: "jobList.status.deleted"
        case .jobListOverBudget: "jobList.overBudget"
        case .traceTimestamp: "trace.timestamp"
        case .tracePhase: "trace.phase"
        case .traceThought: "trace.thought"
        case .traceAction: "trace.action"
        case .traceTool: "trace.tool"
        case .traceObservation: "trace.observation"
        case .traceObservationFailed: "trace.observationFailed"
        case .traceMessage: "trace.message"
        case .traceError: "trace.error"
        case .traceSelected: "trace.selected"
        case .traceSearchMatch: "trace.searchMatch"
        case .traceBadge: "trace.badge"
        case .traceFold: "trace.fold"
        case .traceJobLabel: "trace.jobLabel"
        case .timelineAxis: "timeline.axis"
        case .timelineLabel: "timeline.label"
        case .timelineStrategic: "timeline.strategic"
        case .timelineTactical: "timeline.tactical"
        case .timelineOtherPhase: "timeline.otherPhase"
        case .timelineCursor: "timeline.cursor"
        case .timelineMarkerPodRestart: "timeline.marker.podRestart"
        case .timelineMarkerRetry: "timeline.marker.retry"
        case .timelineMarkerCheckpoint: "timeline.marker.checkpoint"
        case .timelineMarkerFailure: "timeline.marker.failure"
        case .filesDirectory: "files.directory"
        case .filesFile: "files.file"
        case .filesSelected: "files.selected"
        case .filesMeta: "files.meta"
        case .filesStale: "files.stale"
        case .filesPreview: "files.preview"
        case .statusBarBase: "statusBar.base"
        case .statusBarContext: "statusBar.context"
        case .statusBarConnected: "statusBar.connected"
        case .statusBarReconnecting: "statusBar.reconnecting"
        case .statusBarDown: "statusBar.down"
        case .statusBarReadOnly: "statusBar.readOnly"
        case .statusBarHint: "statusBar.hint"
        case .statusBarMessage: "statusBar.message"
        case .statusBarError: "statusBar.error"
        case .statusBarUsage: "statusBar.usage"
        case .statusBarOverBudget: "statusBar.overBudget"
        case .dialogBase: "dialog.base"
        case .dialogBorder: "dialog.border"
        case .dialogTitle: "dialog.title"
        case .dialogField: "dialog.field"
        case .dialogFieldFocused: "dialog.fieldFocused"
        case .dialogDanger: "dialog.danger"
        case .helpKey: "help.key"
        case .commandLine: "commandLine"
        }
    }

    /// Slots by their file name, for the parser.
    public static let byKey: [String: ThemeSlot] = Dictionary(uniqueKeysWithValues: allCases.map { ($0.key, $0) })
}
