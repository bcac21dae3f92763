import FlightdeckCore

/// What a key does. The keymap table maps keys to these per context; `update` performs them.
public enum KeyAction: Sendable, Hashable {
    // MARK: Global
    case quit, showHelp, openCommandLine, focusNext, focusPrevious
    // MARK: Movement (every pane)
    case moveDown, moveUp, moveTop, moveBottom, pageDown, pageUp, activate, back
    // MARK: Jobs
    case toggleMark, cycleSort, reverseSort, cycleStatusFilter, editJobFilter, newTask
    case deleteJob, cancelJob, retryJob, pinJob, steerJob, pauseResumeJob
    // MARK: Trace
    case search, nextMatch, previousMatch, toggleTimestamps, toggleWrap, toggleFollow, toggleFold
    case toggleKind(TraceKind), cyclePhaseFilter, clearTraceFilters, toggleInterleave
    // MARK: Timeline
    case zoomIn, zoomOut, timeEarlier, timeLater
    // MARK: Files
    case refreshFiles
    // MARK: Dialogs and prompts
    case confirm, dismiss, submit, nextField, previousField, deleteBackward
}

/// Where a key is pressed: a pane with focus, or an overlay that takes the keys.
public enum KeyContext: String, Sendable, Hashable, CaseIterable {
    case global, jobs, trace, timeline, files
    case help, confirm, prompt, taskForm

    public var title: String {
        switch self {
        case .global: "Everywhere"
        case .jobs: "Jobs"
        case .trace: "Trace"
        case .timeline: "Timeline"
        case .files: "Files"
        case .help: "Help"
        case .confirm: "Confirmation"
        case .prompt: "Command line, search, filter, steer"
        case .taskForm: "New task form"
        }
    }
}

/// One row of the keymap: a key, where it applies, what it does, and how help and the
/// status bar describe it.
public struct KeyBinding: Sendable, Hashable {
    public var key: Key
    public var context: KeyContext
    public var action: KeyAction
    /// The help overlay's description.
    public var help: String
    /// The status bar's short label, for the bindings worth a hint.
    public var hint: String?

    public init(_ key: Key, _ context: KeyContext, _ action: KeyAction, _ help: String, hint: String? = nil) {
        self.key = key
        self.context = context
        self.action = action
        self.help = help
        self.hint = hint
    }
}

extension Key {
    /// How help and hints name the key (ASCII only: they show in ASCII mode too).
    public var label: String {
        switch self {
        case .character(" "): "Space"
        case .character(let c): String(c)
        case .ctrl(let c): "Ctrl-\(c.uppercased())"
        case .up: "Up"
        case .down: "Down"
        case .left: "Left"
        case .right: "Right"
        case .pageUp: "PgUp"
        case .pageDown: "PgDn"
        case .home: "Home"
        case .end: "End"
        case .enter: "Enter"
        case .escape: "Esc"
        case .tab: "Tab"
        case .backTab: "Shift-Tab"
        case .backspace: "Backspace"
        case .delete: "Del"
        case .function(let n): "F\(n)"
        }
    }
}
