import FlightdeckCore

/// The single table of keys: `update` looks actions up in it and the help overlay is
/// generated from it, so the two cannot drift apart.
public enum Keymap {
    public static let bindings: [KeyBinding] = [
        // MARK: Global
        KeyBinding(.character("?"), .global, .showHelp, "show this help", hint: "help"),
        KeyBinding(.character(":"), .global, .openCommandLine, "command line (:jobs :ctx :theme :submit :filter :q)"),
        KeyBinding(.tab, .global, .focusNext, "focus the next pane"),
        KeyBinding(.backTab, .global, .focusPrevious, "focus the previous pane"),
        KeyBinding(.character("q"), .global, .quit, "quit", hint: "quit"),
        KeyBinding(.ctrl("c"), .global, .quit, "quit"),
        KeyBinding(.character("j"), .global, .moveDown, "move down"),
        KeyBinding(.down, .global, .moveDown, "move down"),
        KeyBinding(.character("k"), .global, .moveUp, "move up"),
        KeyBinding(.up, .global, .moveUp, "move up"),
        KeyBinding(.character("g"), .global, .moveTop, "go to the top"),
        KeyBinding(.home, .global, .moveTop, "go to the top"),
        KeyBinding(.character("G"), .global, .moveBottom, "go to the bottom (the trace: follow again)"),
        KeyBinding(.end, .global, .moveBottom, "go to the bottom (the trace: follow again)"),
        KeyBinding(.pageDown, .global, .pageDown, "page down"),
        KeyBinding(.ctrl("f"), .global, .pageDown, "page down"),
        KeyBinding(.pageUp, .global, .pageUp, "page up"),
        KeyBinding(.ctrl("b"), .global, .pageUp, "page up"),
        KeyBinding(.escape, .global, .back, "clear the search or filter, or go back to the jobs"),
        // MARK: Jobs
        KeyBinding(.enter, .jobs, .activate, "open the job's trace", hint: "trace"),
        KeyBinding(.character(" "), .jobs, .toggleMark, "mark the job for the interleaved trace", hint: "mark"),
        KeyBinding(.character("/"), .jobs, .editJobFilter, "filter jobs by text", hint: "filter"),
        KeyBinding(.character("f"), .jobs, .cycleStatusFilter, "cycle the status filter"),
        KeyBinding(.character("o"), .jobs, .cycleSort, "cycle the sort (age, name, status, phase)", hint: "sort"),
        KeyBinding(.character("O"), .jobs, .reverseSort, "reverse the sort"),
        KeyBinding(.character("n"), .jobs, .newTask, "new task", hint: "new"),
        KeyBinding(.character("s"), .jobs, .steerJob, "steer: send the agent an instruction", hint: "steer"),
        KeyBinding(.character("p"), .jobs, .pauseResumeJob, "pause or resume the agent", hint: "pause/resume"),
        KeyBinding(.character("c"), .jobs, .cancelJob, "cancel the agent (asks first)", hint: "cancel"),
        KeyBinding(.character("R"), .jobs, .retryJob, "retry the failed job", hint: "retry"),
        KeyBinding(.character("d"), .jobs, .deleteJob, "delete the job (asks first)", hint: "delete"),
        KeyBinding(.character("b"), .jobs, .pinJob, "pin the job's history", hint: "pin"),
        KeyBinding(.character("+"), .jobs, .raisePriority, "queued job: raise its priority", hint: "priority"),
        KeyBinding(.character("="), .jobs, .raisePriority, "queued job: raise its priority"),
        KeyBinding(.character("-"), .jobs, .lowerPriority, "queued job: lower its priority"),
        KeyBinding(.character("m"), .jobs, .moveQueue, "queued job: move it to another queue", hint: "move"),
        KeyBinding(.character("S"), .jobs, .startNow, "queued job: start it now, ahead of its queue (asks first)",
            hint: "start now"),
        // MARK: Trace
        KeyBinding(.character("/"), .trace, .search, "search the trace", hint: "search"),
        KeyBinding(.character("n"), .trace, .nextMatch, "next match", hint: "next"),
        KeyBinding(.character("N"), .trace, .previousMatch, "previous match"),
        KeyBinding(.character("f"), .trace, .toggleFollow, "follow new records, or pause", hint: "follow"),
        KeyBinding(.character("t"), .trace, .toggleTimestamps, "absolute or relative timestamps", hint: "time"),
        KeyBinding(.character("w"), .trace, .toggleWrap, "wrap long lines", hint: "wrap"),
        KeyBinding(.character("z"), .trace, .toggleFold, "fold or unfold a long observation", hint: "fold"),
        KeyBinding(.enter, .trace, .toggleFold, "fold or unfold a long observation"),
        KeyBinding(.character("1"), .trace, .toggleKind(.thought), "show or hide thoughts"),
        KeyBinding(.character("2"), .trace, .toggleKind(.action), "show or hide actions"),
        KeyBinding(.character("3"), .trace, .toggleKind(.observation), "show or hide observations"),
        KeyBinding(.character("4"), .trace, .toggleKind(.message), "show or hide messages"),
        KeyBinding(.character("5"), .trace, .toggleKind(.error), "show or hide errors"),
        KeyBinding(.character("F"), .trace, .cyclePhaseFilter, "filter by phase (all, STRATEGIC, TACTICAL)"),
        KeyBinding(.character("0"), .trace, .clearTraceFilters, "clear the kind and phase filters"),
        KeyBinding(.character("i"), .trace, .toggleInterleave, "interleave the marked jobs on one clock", hint: "interleave"),
        // MARK: Timeline
        KeyBinding(.character("h"), .timeline, .timeEarlier, "move the cursor earlier", hint: "earlier"),
        KeyBinding(.left, .timeline, .timeEarlier, "move the cursor earlier"),
        KeyBinding(.character("l"), .timeline, .timeLater, "move the cursor later", hint: "later"),
        KeyBinding(.right, .timeline, .timeLater, "move the cursor later"),
        KeyBinding(.character("+"), .timeline, .zoomIn, "zoom in", hint: "zoom"),
        KeyBinding(.character("="), .timeline, .zoomIn, "zoom in"),
        KeyBinding(.character("-"), .timeline, .zoomOut, "zoom out"),
        // MARK: Files
        KeyBinding(.enter, .files, .activate, "preview the file", hint: "preview"),
        KeyBinding(.character("r"), .files, .refreshFiles, "list the workspace again", hint: "refresh"),
        // MARK: Overlays
        KeyBinding(.escape, .help, .dismiss, "close the help"),
        KeyBinding(.character("?"), .help, .dismiss, "close the help"),
        KeyBinding(.character("q"), .help, .dismiss, "close the help"),
        KeyBinding(.character("j"), .help, .moveDown, "scroll down"),
        KeyBinding(.down, .help, .moveDown, "scroll down"),
        KeyBinding(.character("k"), .help, .moveUp, "scroll up"),
        KeyBinding(.up, .help, .moveUp, "scroll up"),
        KeyBinding(.pageDown, .help, .pageDown, "page down"),
        KeyBinding(.pageUp, .help, .pageUp, "page up"),
        KeyBinding(.character("y"), .confirm, .confirm, "yes, do it"),
        KeyBinding(.enter, .confirm, .confirm, "yes, do it"),
        KeyBinding(.character("n"), .confirm, .dismiss, "no"),
        KeyBinding(.escape, .confirm, .dismiss, "no"),
        KeyBinding(.enter, .prompt, .submit, "run, search, apply or send what was typed"),
        KeyBinding(.escape, .prompt, .dismiss, "cancel"),
        KeyBinding(.backspace, .prompt, .deleteBackward, "delete a character"),
        KeyBinding(.tab, .taskForm, .nextField, "next field"),
        KeyBinding(.backTab, .taskForm, .previousField, "previous field"),
        KeyBinding(.enter, .taskForm, .submit, "submit the task"),
        KeyBinding(.escape, .taskForm, .dismiss, "cancel"),
        KeyBinding(.backspace, .taskForm, .deleteBackward, "delete a character"),
        KeyBinding(.character("j"), .picker, .moveDown, "next queue"),
        KeyBinding(.down, .picker, .moveDown, "next queue"),
        KeyBinding(.character("k"), .picker, .moveUp, "previous queue"),
        KeyBinding(.up, .picker, .moveUp, "previous queue"),
        KeyBinding(.enter, .picker, .confirm, "move the job to this queue"),
        KeyBinding(.escape, .picker, .dismiss, "cancel"),
        KeyBinding(.character("q"), .picker, .dismiss, "cancel"),
    ]

    /// Bindings by context, then key: one lookup per key press.
    private static let table: [KeyContext: [Key: KeyAction]] = {
        var table: [KeyContext: [Key: KeyAction]] = [:]
        for binding in bindings where table[binding.context]?[binding.key] == nil {
            table[binding.context, default: [:]][binding.key] = binding.action
        }
        return table
    }()

    /// What `key` does in `context`; a pane's own bindings win over the global ones, and an
    /// overlay's context never falls through (its keys are its own).
    public static func action(for key: Key, in context: KeyContext) -> KeyAction? {
        if let action = table[context]?[key] { return action }
        switch context {
        case .jobs, .trace, .timeline, .files: return table[.global]?[key]
        case .global, .help, .confirm, .prompt, .taskForm, .picker: return nil
        }
    }

    /// The help overlay's lines: every context, and in it every action with all its keys.
    public static func helpLines() -> [(keys: String, help: String, isHeading: Bool)] {
        var lines: [(String, String, Bool)] = []
        for context in KeyContext.allCases {
            var seen: [String] = []
            var keysByHelp: [String: [String]] = [:]
            for binding in bindings where binding.context == context {
                if keysByHelp[binding.help] == nil { seen.append(binding.help) }
                keysByHelp[binding.help, default: []].append(binding.key.label)
            }
            guard !seen.isEmpty else { continue }
            if !lines.isEmpty { lines.append(("", "", false)) }
            lines.append((context.title, "", true))
            for help in seen { lines.append((keysByHelp[help]!.joined(separator: " "), help, false)) }
            if context == .prompt || context == .taskForm { lines.append(("(type)", "edit the text", false)) }
        }
        return lines
    }
}
