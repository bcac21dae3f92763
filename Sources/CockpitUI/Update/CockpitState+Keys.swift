import FlightdeckCore
import Foundation

/// Keys: looked up in `Keymap` for the focused pane or the open overlay, then performed.
extension CockpitState {
    /// The keymap context keys go to now.
    public var keyContext: KeyContext {
        switch overlay {
        case .none:
            switch focus {
            case .jobs: .jobs
            case .trace: .trace
            case .timeline: .timeline
            case .files: .files
            }
        case .help: .help
        case .confirm: .confirm
        case .taskForm: .taskForm
        case .pickQueue: .picker
        case .commandLine, .search, .jobFilter, .steer: .prompt
        }
    }

    mutating func handle(_ key: Key, _ effects: inout [CockpitEffect]) {
        let context = keyContext
        guard let action = Keymap.action(for: key, in: context) else {
            if case .character(let character) = key { type(character, &effects) }
            return
        }
        perform(action, context: context, &effects)
    }

    /// Printable characters typed into an open prompt or form.
    mutating func type(_ character: Character, _ effects: inout [CockpitEffect]) {
        switch overlay {
        case .commandLine(let text): overlay = .commandLine(text + String(character))
        case .search(let text): overlay = .search(text + String(character))
        case .jobFilter(let text): setJobFilter(text + String(character), &effects)
        case .steer(let job, let text): overlay = .steer(job: job, text: text + String(character))
        case .taskForm(var form):
            form.draft[form.field].append(character)
            form.error = nil
            overlay = .taskForm(form)
        case .none, .help, .confirm, .pickQueue: break
        }
    }

    mutating func perform(_ action: KeyAction, context: KeyContext, _ effects: inout [CockpitEffect]) {
        switch context {
        case .help: performHelp(action)
        case .confirm: performConfirm(action, &effects)
        case .prompt: performPrompt(action, &effects)
        case .taskForm: performForm(action, &effects)
        case .picker: performPicker(action, &effects)
        case .global, .jobs, .trace, .timeline, .files: performPane(action, &effects)
        }
    }

    // MARK: - Panes

    mutating func performPane(_ action: KeyAction, _ effects: inout [CockpitEffect]) {
        switch action {
        case .quit: effects.append(.quit)
        case .showHelp: overlay = .help(scroll: 0)
        case .openCommandLine: overlay = .commandLine("")
        case .focusNext: setFocus(focus.next)
        case .focusPrevious: setFocus(focus.previous)
        default:
            switch focus {
            case .jobs: performJobs(action, &effects)
            case .trace: performTrace(action, &effects)
            case .timeline: performTimeline(action, &effects)
            case .files: performFiles(action, &effects)
            }
        }
    }

    mutating func setFocus(_ pane: PaneID) {
        focus = pane
        if pane == .timeline || pane == .files { secondary = pane }
        keepTraceCursorVisible()
        keepFilesVisible()
        keepJobsVisible()
    }

    mutating func performJobs(_ action: KeyAction, _ effects: inout [CockpitEffect]) {
        switch action {
        case .moveDown: moveJobSelection(by: 1, &effects)
        case .moveUp: moveJobSelection(by: -1, &effects)
        case .moveTop: moveJobSelection(by: -jobs.visible.count, &effects)
        case .moveBottom: moveJobSelection(by: jobs.visible.count, &effects)
        case .pageDown: moveJobSelection(by: jobRows, &effects)
        case .pageUp: moveJobSelection(by: -jobRows, &effects)
        case .activate: if jobs.selectedID != nil { setFocus(.trace) }
        case .back:
            if !jobs.textFilter.isEmpty || jobs.statusFilter != .all {
                jobs.textFilter = ""
                jobs.statusFilter = .all
                jobs.refresh()
                ensureSelection(&effects)
            }
        case .toggleMark:
            guard let id = jobs.selectedID else { return }
            if jobs.marked.contains(id) { jobs.marked.remove(id) } else { jobs.marked.insert(id) }
            if trace.interleaved { rebuildTraceRows(keeping: trace.cursorRecord) }
        case .cycleSort:
            jobs.sort = jobs.sort.next
            jobs.refresh()
            keepJobsVisible()
            show("sorted by \(jobs.sort.rawValue)")
        case .reverseSort:
            jobs.descending.toggle()
            jobs.refresh()
            keepJobsVisible()
        case .cycleStatusFilter:
            jobs.statusFilter = jobs.statusFilter.next
            jobs.refresh()
            ensureSelection(&effects)
        case .editJobFilter: overlay = .jobFilter(jobs.textFilter)
        case .newTask:
            if let refusal = refusal(for: .submit) { show(refusal, error: true) } else { overlay = .taskForm(TaskForm()) }
        case .deleteJob, .cancelJob, .retryJob, .pinJob, .steerJob, .pauseResumeJob:
            requestJobAction(action, &effects)
        case .raisePriority, .lowerPriority, .moveQueue, .startNow:
            requestQueueChange(action, &effects)
        default: break
        }
    }

    mutating func performTrace(_ action: KeyAction, _ effects: inout [CockpitEffect]) {
        switch action {
        case .moveDown: moveTraceCursor(to: trace.cursor + 1, &effects)
        case .moveUp:
            trace.following = false
            moveTraceCursor(to: trace.cursor - 1, &effects)
        case .pageDown: moveTraceCursor(to: trace.cursor + tracePageRows(forward: true), &effects)
        case .pageUp:
            trace.following = false
            moveTraceCursor(to: trace.cursor - tracePageRows(forward: false), &effects)
        case .moveTop:
            trace.following = false
            if !trace.interleaved, let id = trace.jobID, let first = trace.records.first, first.seq > 1, trace.pendingPage == nil {
                let range = Int64(1)...Int64(TraceState.pageSize)
                trace.pendingPage = range
                trace.jumpToStart = true
                effects.append(.loadTrace(jobID: id, seq: range))
            }
            moveTraceCursor(to: 0, &effects)
        case .moveBottom: resumeFollowing(&effects)
        case .toggleFollow:
            if trace.following { trace.following = false } else { resumeFollowing(&effects) }
        case .back:
            if trace.query != nil { trace.query = nil } else { setFocus(.jobs) }
        case .search: overlay = .search(trace.query ?? "")
        case .nextMatch: findMatch(forward: true, includingCursor: false, &effects)
        case .previousMatch: findMatch(forward: false, includingCursor: false, &effects)
        case .toggleTimestamps: trace.absoluteTime.toggle()
        case .toggleWrap:
            trace.wrap.toggle()
            rebuildTraceRows(keeping: trace.cursorRecord)
        case .toggleFold:
            guard let record = trace.cursorRecord else { return }
            let key = trace.key(record)
            if trace.unfolded.contains(key) { trace.unfolded.remove(key) } else { trace.unfolded.insert(key) }
            keepTraceCursorVisible()
        case .toggleKind(let kind):
            if trace.kinds.contains(kind) { trace.kinds.remove(kind) } else { trace.kinds.insert(kind) }
            rebuildTraceRows(keeping: trace.cursorRecord)
        case .cyclePhaseFilter:
            switch trace.phase {
            case nil: trace.phase = .strategic
            case .some(.strategic): trace.phase = .tactical
            default: trace.phase = nil
            }
            rebuildTraceRows(keeping: trace.cursorRecord)
        case .clearTraceFilters:
            trace.kinds = Set(TraceKind.allCases)
            trace.phase = nil
            rebuildTraceRows(keeping: trace.cursorRecord)
        case .toggleInterleave:
            let anchor = trace.cursorRecord  // before the toggle changes what the rows index
            trace.interleaved.toggle()
            if trace.interleaved, jobs.marked.isEmpty { show("mark jobs with Space in the job list to interleave them") }
            rebuildTraceRows(keeping: anchor)
        default: break
        }
    }

    mutating func performTimeline(_ action: KeyAction, _ effects: inout [CockpitEffect]) {
        switch action {
        case .timeEarlier: moveTimelineCursor(by: -1, &effects)
        case .timeLater: moveTimelineCursor(by: 1, &effects)
        case .pageUp: moveTimelineCursor(by: -10, &effects)
        case .pageDown: moveTimelineCursor(by: 10, &effects)
        case .zoomIn:
            timeline.zoomIndex = max(0, timeline.zoomIndex - 1)
            timeline.autoZoom = false
        case .zoomOut:
            timeline.zoomIndex = min(TimelineState.zoomLevels.count - 1, timeline.zoomIndex + 1)
            timeline.autoZoom = false
        case .moveDown: moveJobSelection(by: 1, &effects)
        case .moveUp: moveJobSelection(by: -1, &effects)
        case .moveTop:
            if let start = timeline.lanes[jobs.selectedID ?? ""]?.spans.first?.start {
                let columns = Int((start.timeIntervalSince(timeline.cursorTime ?? now) / timeline.secondsPerColumn).rounded(.down))
                moveTimelineCursor(by: columns, &effects)
            }
        case .moveBottom: resumeFollowing(&effects)
        case .back: setFocus(.jobs)
        default: break
        }
    }

    mutating func performFiles(_ action: KeyAction, _ effects: inout [CockpitEffect]) {
        let count = workspace.entries.count
        func move(to index: Int) {
            guard count > 0 else { return }
            workspace.cursor = min(max(0, index), count - 1)
            keepFilesVisible()
        }
        switch action {
        case .moveDown: move(to: workspace.cursor + 1)
        case .moveUp: move(to: workspace.cursor - 1)
        case .moveTop: move(to: 0)
        case .moveBottom: move(to: count - 1)
        case .pageDown: move(to: workspace.cursor + fileRows)
        case .pageUp: move(to: workspace.cursor - fileRows)
        case .activate:
            guard let entry = workspace.selectedEntry, let id = workspace.jobID else { return }
            if entry.kind == .directory {
                show("\(entry.path) is a directory")
            } else {
                effects.append(.loadFilePreview(jobID: id, path: entry.path))
            }
        case .refreshFiles:
            if let id = workspace.jobID { effects.append(.loadWorkspace(jobID: id)) }
        case .back: setFocus(.jobs)
        default: break
        }
    }

    // MARK: - Job actions

    /// Why `kind` cannot be done at all with these credentials, or nil.
    public func refusal(for kind: JobIntentKind) -> String? {
        if readOnly { return "read-only: the cockpit cannot \(kind.verb)" }
        if !allowed.contains(kind) { return "not allowed: the credentials cannot \(kind.verb)" }
        return nil
    }

    /// Whether `action` makes sense for the selected job now (hints show only these).
    public func isAvailable(_ action: KeyAction) -> Bool {
        guard let job = selectedJob else { return action == .newTask && refusal(for: .submit) == nil }
        let gone = job.deletedAt != nil || job.status == .deleted
        switch action {
        case .deleteJob: return !gone && refusal(for: .delete) == nil
        case .cancelJob: return !gone && !job.status.isFinished && refusal(for: .cancel) == nil
        case .retryJob: return job.status == .failed && refusal(for: .retry) == nil
        case .pinJob: return refusal(for: .pin) == nil
        case .steerJob, .pauseResumeJob: return job.status == .running && !gone && refusal(for: .steer) == nil
        case .newTask: return refusal(for: .submit) == nil
        case .raisePriority: return isQueued(job) && refusal(for: .prioritize) == nil && (job.priority ?? .normal) != .high
        case .lowerPriority: return isQueued(job) && refusal(for: .prioritize) == nil && (job.priority ?? .normal) != .low
        case .moveQueue: return isQueued(job) && refusal(for: .move) == nil && (queues?.names.count ?? 0) > 1
        case .startNow: return isQueued(job) && refusal(for: .startNow) == nil && queues?.kueue != true
        default: return true
        }
    }

    mutating func requestJobAction(_ action: KeyAction, _ effects: inout [CockpitEffect]) {
        guard let job = selectedJob else { return }
        let intent: JobIntent
        switch action {
        case .deleteJob: intent = .delete(job: job.name)
        case .cancelJob: intent = .cancel(job: job.name)
        case .retryJob: intent = .retry(job: job.name)
        case .pinJob: intent = .pin(job: job.name)
        case .steerJob: intent = .steer(job: job.name, .instruct(""))
        case .pauseResumeJob: intent = .steer(job: job.name, paused.contains(job.id) ? .resume : .pause)
        default: return
        }
        if let refusal = refusal(for: intent.kind) {
            show(refusal, error: true)
            return
        }
        guard isAvailable(action) else {
            show("\(job.name) is \(job.status.rawValue): nothing to \(intent.kind.rawValue)", error: true)
            return
        }
        switch action {
        case .steerJob: overlay = .steer(job: job.name, text: "")
        case _ where intent.isDestructive: overlay = .confirm(intent)
        default:
            if case .steer(_, .pause) = intent { paused.insert(job.id) }
            if case .steer(_, .resume) = intent { paused.remove(job.id) }
            send(intent, &effects)
        }
    }

    mutating func send(_ intent: JobIntent, _ effects: inout [CockpitEffect]) {
        effects.append(.perform(intent))
        show(intent.sentText)
    }

    private func isQueued(_ job: AgentJob) -> Bool { job.status == .queued && job.deletedAt == nil }

    /// `+`/`-`, `m` and `S` on the selected job: only a queued one, only with the right to
    /// patch Jobs, and start-now only where Flightdeck (not Kueue) admits.
    mutating func requestQueueChange(_ action: KeyAction, _ effects: inout [CockpitEffect]) {
        guard let job = selectedJob else { return }
        let kind: JobIntentKind
        let what: String
        switch action {
        case .moveQueue: (kind, what) = (.move, "move to another queue")
        case .startNow: (kind, what) = (.startNow, "start now")
        default: (kind, what) = (.prioritize, "change its priority")
        }
        if let refusal = refusal(for: kind) { return show(refusal, error: true) }
        guard isQueued(job) else {
            let status = job.deletedAt != nil ? "deleted" : job.status.rawValue
            return show("\(job.name) is \(status): only a queued job can \(what)", error: true)
        }
        let priority = job.priority ?? .normal
        switch action {
        case .raisePriority:
            guard priority != .high else { return show("\(job.name) has priority high already", error: true) }
            send(.prioritize(job: job.name, priority.raised), &effects)
        case .lowerPriority:
            guard priority != .low else { return show("\(job.name) has priority low already", error: true) }
            send(.prioritize(job: job.name, priority == .high ? .normal : .low), &effects)
        case .moveQueue:
            let names = queues?.names ?? []
            guard names.contains(where: { $0 != job.queue }) else {
                let known = names.isEmpty ? "the config has no queues" : "queues: " + names.joined(separator: ", ")
                return show("no other queue to move \(job.name) to (\(known))", error: true)
            }
            overlay = .pickQueue(job: job.name, queues: names, cursor: names.firstIndex { $0 == job.queue } ?? 0)
        case .startNow:
            if queues?.kueue == true {
                return show("start now: Kueue admits \(job.name), not Flightdeck: raise its priority instead", error: true)
            }
            overlay = .confirm(.startNow(job: job.name))
        default: break
        }
    }

    mutating func performPicker(_ action: KeyAction, _ effects: inout [CockpitEffect]) {
        guard case .pickQueue(let job, let queues, let cursor) = overlay, !queues.isEmpty else {
            overlay = .none
            return
        }
        switch action {
        case .moveDown: overlay = .pickQueue(job: job, queues: queues, cursor: min(cursor + 1, queues.count - 1))
        case .moveUp: overlay = .pickQueue(job: job, queues: queues, cursor: max(0, cursor - 1))
        case .dismiss:
            overlay = .none
            show("move cancelled")
        case .confirm:
            overlay = .none
            let target = queues[min(max(0, cursor), queues.count - 1)]
            if jobs.all.first(where: { $0.name == job })?.queue == target {
                show("\(job) is in queue \(target) already")
            } else {
                send(.move(job: job, queue: target), &effects)
            }
        default: break
        }
    }

    // MARK: - Overlays

    mutating func performHelp(_ action: KeyAction) {
        guard case .help(let scroll) = overlay else { return }
        let page = max(1, height - 4)
        switch action {
        case .dismiss: overlay = .none
        case .moveDown: overlay = .help(scroll: scroll + 1)
        case .moveUp: overlay = .help(scroll: max(0, scroll - 1))
        case .pageDown: overlay = .help(scroll: scroll + page)
        case .pageUp: overlay = .help(scroll: max(0, scroll - page))
        default: break
        }
    }

    mutating func performConfirm(_ action: KeyAction, _ effects: inout [CockpitEffect]) {
        guard case .confirm(let intent) = overlay else { return }
        overlay = .none
        if action == .confirm { send(intent, &effects) } else {
            show(intent.kind == .startNow ? "start now cancelled" : "\(intent.kind.rawValue) cancelled")
        }
    }

    mutating func performPrompt(_ action: KeyAction, _ effects: inout [CockpitEffect]) {
        switch (action, overlay) {
        case (.dismiss, .jobFilter):
            overlay = .none
            setJobFilter("", &effects)
        case (.dismiss, _): overlay = .none
        case (.deleteBackward, .commandLine(let text)): overlay = .commandLine(String(text.dropLast()))
        case (.deleteBackward, .search(let text)): overlay = .search(String(text.dropLast()))
        case (.deleteBackward, .jobFilter(let text)): setJobFilter(String(text.dropLast()), &effects)
        case (.deleteBackward, .steer(let job, let text)): overlay = .steer(job: job, text: String(text.dropLast()))
        case (.submit, .commandLine(let text)):
            overlay = .none
            run(command: text, &effects)
        case (.submit, .search(let text)):
            overlay = .none
            trace.query = text.isEmpty ? nil : text
            // Following, the newest match first (searching back from the bottom); scrolled
            // back, the next one down from where the cursor is.
            if trace.query != nil { findMatch(forward: !trace.following, includingCursor: true, &effects) }
        case (.submit, .jobFilter):
            overlay = .none
        case (.submit, .steer(let job, let text)):
            overlay = .none
            let instruction = text.trimmingCharacters(in: .whitespaces)
            if instruction.isEmpty { show("nothing sent: the instruction was empty", error: true) } else {
                send(.steer(job: job, .instruct(instruction)), &effects)
            }
        default: break
        }
    }

    /// Filters as the operator types; the selection moves only when its job is filtered out.
    mutating func setJobFilter(_ text: String, _ effects: inout [CockpitEffect]) {
        if case .jobFilter = overlay { overlay = .jobFilter(text) }
        jobs.textFilter = text
        jobs.refresh()
        ensureSelection(&effects)
    }

    mutating func performForm(_ action: KeyAction, _ effects: inout [CockpitEffect]) {
        guard case .taskForm(var form) = overlay else { return }
        let fields = TaskDraft.Field.allCases
        switch action {
        case .dismiss:
            overlay = .none
            return
        case .nextField: form.field = fields[(form.field.rawValue + 1) % fields.count]
        case .previousField: form.field = fields[(form.field.rawValue + fields.count - 1) % fields.count]
        case .deleteBackward: form.draft[form.field] = String(form.draft[form.field].dropLast())
        case .submit:
            if form.draft.prompt.trimmingCharacters(in: .whitespaces).isEmpty {
                form.error = "a task needs a prompt"
                form.field = .prompt
            } else if let refusal = refusal(for: .submit) {
                form.error = refusal
            } else {
                overlay = .none
                effects.append(.submit(form.draft))
                show("task submitted")
                return
            }
        default: break
        }
        overlay = .taskForm(form)
    }
}
