import FlightdeckCore

/// Every glyph the cockpit draws of its own (borders, status marks, badges, swimlane fills),
/// in a Unicode and an ASCII variant. The runtime picks `.ascii` when the locale is not
/// UTF-8: ncurses then draws `lqqk` for boxes and drops non-ASCII, so not one glyph of ours
/// may be outside ASCII. Agent text is made ASCII separately (`AgentText`).
public struct GlyphSet: Sendable, Hashable {
    /// Whether agent text must be transliterated to ASCII too.
    public var isASCII: Bool
    public var horizontal: String
    public var vertical: String
    public var topLeft: String
    public var topRight: String
    public var bottomLeft: String
    public var bottomRight: String
    public var ellipsis: String
    /// Before the selected row.
    public var pointer: String
    /// Before a job marked for the interleaved trace.
    public var mark: String
    public var pending: String
    public var suspended: String
    /// A job waiting in a task queue for an admitter to start it.
    public var queued: String
    public var running: String
    public var succeeded: String
    public var failed: String
    public var deleted: String
    public var strategicFill: String
    public var tacticalFill: String
    public var otherPhaseFill: String
    public var podRestart: String
    public var retry: String
    public var checkpoint: String
    public var failure: String
    public var cursor: String
    public var newBelow: String
    public var separator: String
    public var folded: String
    public var connected: String
    public var reconnecting: String
    public var down: String
    public var treeBranch: String
    public var treeLast: String
    /// Before a job whose token use or cost went over its task's budget.
    public var overBudget: String

    public func status(_ status: JobStatus) -> String {
        switch status {
        case .pending: pending
        case .suspended: suspended
        case .queued: queued
        case .running: running
        case .succeeded: succeeded
        case .failed: failed
        case .deleted: deleted
        }
    }

    public func marker(_ kind: PhaseMarker.Kind) -> String {
        switch kind {
        case .podRestart: podRestart
        case .retry: retry
        case .checkpoint: checkpoint
        case .failure: failure
        }
    }

    public static let unicode = GlyphSet(
        isASCII: false, horizontal: "─", vertical: "│", topLeft: "┌", topRight: "┐", bottomLeft: "└", bottomRight: "┘",
        ellipsis: "…", pointer: "▶", mark: "◆", pending: "○", suspended: "◑", queued: "◷", running: "●", succeeded: "✔",
        failed: "✖", deleted: "⊘", strategicFill: "█", tacticalFill: "▒", otherPhaseFill: "░", podRestart: "↻",
        retry: "⟲", checkpoint: "◆", failure: "✖", cursor: "┃", newBelow: "▼", separator: "│", folded: "⋯",
        connected: "●", reconnecting: "◌", down: "✖", treeBranch: "├─", treeLast: "└─", overBudget: "!"
    )

    public static let ascii = GlyphSet(
        isASCII: true, horizontal: "-", vertical: "|", topLeft: "+", topRight: "+", bottomLeft: "+", bottomRight: "+",
        ellipsis: "~", pointer: ">", mark: "*", pending: ".", suspended: "=", queued: "q", running: "*", succeeded: "+",
        failed: "x", deleted: "-", strategicFill: "#", tacticalFill: "=", otherPhaseFill: ".", podRestart: "R",
        retry: "r", checkpoint: "C", failure: "X", cursor: "|", newBelow: "v", separator: "|", folded: "...",
        connected: "+", reconnecting: "~", down: "x", treeBranch: "|-", treeLast: "`-", overBudget: "!"
    )
}
