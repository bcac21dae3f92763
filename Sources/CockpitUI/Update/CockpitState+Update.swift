import FlightdeckCore
import Foundation

// MARK: - Messages

extension CockpitState {
    mutating func apply(_ message: CockpitMessage, _ effects: inout [CockpitEffect]) {
        switch message {
        case .terminal(.key(let key)):
            // An error stays until a key after its time is up: one the operator looked
            // away from is still there when they look back.
            if let flash, flash.isError, flash.until <= now { self.flash = nil }
            handle(key, &effects)
        case .terminal(.mouse(let mouse)):
            handle(mouse, &effects)
        case .terminal(.terminated):
            effects.append(.quit)
        case .terminal(.resized(let newWidth, let newHeight)):
            width = max(0, newWidth)
            height = max(0, newHeight)
            keepJobsVisible()
            keepFilesVisible()
            if trace.following { anchorTraceBottom() } else { keepTraceCursorVisible() }
        case .ticked(let date):
            now = date
            if let flash, !flash.isError, flash.until <= date { self.flash = nil }
            // Any lane still moving (not only the selected job's) is asked for again.
            if let due = timelineRefreshDue, due <= date {
                lastTimelineRefresh = date
                effects.append(.loadTimeline(jobIDs: laneJobIDs()))
            }
            refreshWorkspaceIfMoving(at: date, &effects)
            if let due = usageRequestDue, due <= date { requestUsage(&effects) }
        case .jobsListed(let list):
            jobs.setAll(list)
            jobs.refresh()
            jobsChanged(&effects)
            usageListed(list.map(\.id), whole: true, &effects)
        case .jobsFirstPage(let page, let total):
            jobs.setAll(page, pendingTotal: max(total, page.count))
            jobs.refresh()
            jobsChanged(&effects)
            usageListed(page.map(\.id), whole: false, &effects)
        case .jobsUpdated(let ids, let list):
            jobs.update(ids: ids, jobs: list)
            jobsChanged(&effects)
            for id in ids where jobs.job(id: id) == nil { usage.byJob[id] = nil }
        case .traceAppended(let records):
            markUsageStale(records.lazy.filter { $0.usage != nil }.map(\.jobID))
            appendLive(records, &effects)
        case .tracePageLoaded(let jobID, let records, let total):
            loadedPage(jobID: jobID, page: records, total: total)
        case .traceSearchResult(let jobID, let query, let seq):
            searchAnswered(jobID: jobID, query: query, seq: seq, &effects)
        case .timelineLoaded(let jobID, let spans, let markers):
            timeline.requested.remove(jobID)
            timeline.lanes[jobID] = TimelineState.Lane(
                spans: spans.sorted { $0.start < $1.start }, markers: markers.sorted { $0.time < $1.time })
            if jobID == jobs.selectedID, timeline.autoZoom { fitTimeline(to: jobID) }
        case .usageLoaded(let ids, let loaded):
            for id in ids { usage.byJob[id] = loaded[id] }
            usage.requestedAt = nil
        case .workspaceListed(let jobID, let listing):
            guard jobID == workspace.jobID else { return }
            workspace.setListing(listing)
            keepFilesVisible()
        case .filePreviewLoaded(let jobID, let path, let text, let truncated):
            guard jobID == workspace.jobID else { return }
            let cut = text.count > WorkspaceState.previewLimit
            let body = cut ? String(text.prefix(WorkspaceState.previewLimit)) : text
            let lines = body.split(separator: "\n", omittingEmptySubsequences: false).prefix(2_000)
                .map { AgentText.displayable($0, ascii: false) }
            workspace.preview = WorkspaceState.Preview(path: path, lines: lines, truncated: truncated || cut)
        case .connectionChanged(let status):
            connection = status
        case .capabilitiesLoaded(let allowed, let readOnly):
            self.allowed = allowed
            self.readOnly = readOnly
        case .actionFinished(let text):
            show(text)
        case .actionFailed(let text):
            show(text, error: true)
        case .themeLoaded(let theme):
            self.theme = theme
            show("theme \(theme.name)")
        case .themeFailed(let reason):
            theme = .default
            show("\(reason) (using the default theme)", error: true)
        case .contextInfo(let context, let cluster):
            let switched = self.context != nil && (self.context != context || self.cluster != cluster)
            self.context = context
            self.cluster = cluster
            if switched { forgetSelection() }
        case .queuesLoaded(let names, let defaultName, let kueue):
            queues = QueueInfo(names: names, defaultName: defaultName, kueue: kueue)
        }
    }

    /// After the list changed: a visible job stays selected, and jobs that became the
    /// selected one's neighbours get their lanes.
    private mutating func jobsChanged(_ effects: inout [CockpitEffect]) {
        ensureSelection(&effects)
        let missing = laneJobIDs().filter { timeline.lanes[$0] == nil && !timeline.requested.contains($0) }
        if !missing.isEmpty {
            timeline.requested.formUnion(missing)
            effects.append(.loadTimeline(jobIDs: missing))
        }
    }

    /// A status-bar message for a few seconds.
    mutating func show(_ text: String, error: Bool = false) {
        flash = Flash(text: text, isError: error, until: now.addingTimeInterval(Self.flashSeconds))
    }

    // MARK: - Selection

    /// Another cluster or namespace: nothing of the previous one's selected job (its trace,
    /// files, lanes) stays on screen; the new job list selects afresh.
    mutating func forgetSelection() {
        jobs.selectedID = nil
        trace.jobID = nil
        trace.records = []
        trace.recent = [:]
        trace.total = 0
        trace.pendingPage = nil
        trace.awaitingTail = false
        trace.unfolded = []
        trace.cursor = 0
        trace.top = 0
        rebuildTraceRows(keeping: nil)
        workspace = WorkspaceState()
        timeline.lanes = [:]
        timeline.requested = []
    }

    /// Keeps a visible job selected after the list changed.
    mutating func ensureSelection(_ effects: inout [CockpitEffect]) {
        if jobs.visible.isEmpty {
            keepJobsVisible()
            return
        }
        if jobs.selectedID.map(jobs.isVisible) != true {
            select(jobs.visible[0].id, &effects)
        } else if trace.jobID != jobs.selectedID, let id = jobs.selectedID {
            select(id, &effects)
        }
        keepJobsVisible()
    }

    /// Selects a job: its trace tail, timeline and workspace are asked for.
    mutating func select(_ id: String, _ effects: inout [CockpitEffect]) {
        let changed = trace.jobID != id
        jobs.selectedID = id
        keepJobsVisible()
        guard changed else { return }
        resetTrace(for: id, &effects)
        workspace = WorkspaceState()
        workspace.jobID = id
        effects.append(.loadWorkspace(jobID: id))
        lastWorkspaceRefresh = now
        workspaceJobWasMoving = jobs.job(id: id).map { $0.status == .running || $0.status == .pending } ?? false
        lastTimelineRefresh = now
        effects.append(.loadTimeline(jobIDs: laneJobIDs()))
    }

    /// The selected job's workspace, listed again every `workspaceRefreshSeconds` while the job
    /// runs (its agent is writing it) — every `workspaceFirstLookSeconds` until its volume is
    /// first seen — and once when it stops, so the Files pane follows a run without a key
    /// press; a finished job's is not listed again (an idle cockpit stays idle).
    mutating func refreshWorkspaceIfMoving(at date: Date, _ effects: inout [CockpitEffect]) {
        guard let id = workspace.jobID else { return }
        if let due = workspaceRefreshDue, due <= date {
            lastWorkspaceRefresh = date
            effects.append(.loadWorkspace(jobID: id))
        }
        workspaceJobWasMoving = isMoving(id)
    }

    /// When a tick next asks for the lanes again: while any lane's job is still moving.
    var timelineRefreshDue: Date? {
        guard laneJobIDs().contains(where: isMoving) else { return nil }
        return lastTimelineRefresh.map { $0.addingTimeInterval(Self.timelineRefreshSeconds) } ?? .distantPast
    }

    /// When a tick next lists the selected job's workspace: while the job moves (sooner while
    /// nothing was seen yet), and once at once when it has stopped.
    var workspaceRefreshDue: Date? {
        guard let id = workspace.jobID else { return nil }
        guard isMoving(id) else { return workspaceJobWasMoving ? .distantPast : nil }
        let unseen = workspace.listing.map { $0.source == .nothingSeen } ?? false
        let interval = unseen ? Self.workspaceFirstLookSeconds : Self.workspaceRefreshSeconds
        return lastWorkspaceRefresh.map { $0.addingTimeInterval(interval) } ?? .distantPast
    }

    private func isMoving(_ id: String) -> Bool {
        jobs.job(id: id).map { $0.status == .running || $0.status == .pending } ?? false
    }

    /// The finest scale at which the job's whole run takes at most 80 % of the lanes' width:
    /// a 30-second run and a day-long one both fill the view.
    mutating func fitTimeline(to jobID: String) {
        guard let lane = timeline.lanes[jobID], let first = lane.spans.first?.start ?? lane.markers.first?.time else { return }
        var last = lane.spans.last.map { $0.end ?? max(now, $0.start) } ?? first
        if let marker = lane.markers.last { last = max(last, marker.time) }
        let rect = layout.panes[.timeline] ?? Layout(width: width, height: height, focus: .timeline, secondary: .timeline).panes[.timeline]
        let body = Layout.interior(of: rect ?? Rect(x: 0, y: 0, width: 0, height: 0))
        let columns = Double(max(1, body.width - (body.width >= 40 ? TimelinePane.labelWidth : 0)))
        let duration = max(1, last.timeIntervalSince(first))
        timeline.zoomIndex = TimelineState.zoomLevels.firstIndex { duration / $0 <= columns * 0.8 }
            ?? TimelineState.zoomLevels.count - 1
    }

    /// The selected job and its neighbours in the list: the timeline's swimlanes.
    func laneJobIDs(count: Int = 13) -> [String] {
        guard let index = jobs.selectedIndex else { return jobs.selectedID.map { [$0] } ?? [] }
        let half = count / 2
        let start = max(0, min(index - half, jobs.visible.count - count))
        let end = min(jobs.visible.count, start + count)
        return jobs.visible[start..<end].map(\.id)
    }

    mutating func moveJobSelection(by delta: Int, _ effects: inout [CockpitEffect]) {
        guard !jobs.visible.isEmpty else { return }
        let current = jobs.selectedIndex ?? 0
        let target = min(max(0, current + delta), jobs.visible.count - 1)
        select(jobs.visible[target].id, &effects)
    }

    /// Rows of the job list body at the current size.
    var jobRows: Int {
        let rect = layout.panes[.jobs] ?? Layout(width: width, height: height, focus: .jobs, secondary: secondary).panes[.jobs]
        return max(1, Layout.interior(of: rect ?? Rect(x: 0, y: 0, width: 0, height: 2)).height - 1)
    }

    mutating func keepJobsVisible() {
        guard let index = jobs.selectedIndex else {
            jobs.top = 0
            return
        }
        let rows = jobRows
        if index < jobs.top { jobs.top = index }
        if index >= jobs.top + rows { jobs.top = index - rows + 1 }
        jobs.top = max(0, min(jobs.top, max(0, jobs.visible.count - rows)))
    }

    var fileRows: Int {
        let rect = layout.panes[.files] ?? Layout(width: width, height: height, focus: .files, secondary: .files).panes[.files]
        return max(1, WorkspacePane.treeRows(in: Layout.interior(of: rect ?? Rect(x: 0, y: 0, width: 0, height: 0))))
    }

    mutating func keepFilesVisible() {
        let rows = fileRows
        if workspace.cursor < workspace.top { workspace.top = workspace.cursor }
        if workspace.cursor >= workspace.top + rows { workspace.top = workspace.cursor - rows + 1 }
        workspace.top = max(0, workspace.top)
    }
}
