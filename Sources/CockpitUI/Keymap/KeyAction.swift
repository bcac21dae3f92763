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
    case raisePriority, lowerPriority, moveQueue, startNow
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
