import FlightdeckCore
import Foundation

extension CockpitState {
    /// The longest the loop waits between ticks.
    public static let longestTickSeconds: TimeInterval = 60

    /// When a tick next has something to do: the first moment a text on screen changes with
    /// the clock (an age, a reconnect countdown, a file's age or staleness, where "now" falls
    /// on the timeline), a flash ends, a periodic refresh of a running job's timeline or
    /// workspace is due, or live records' token use is to be read; at most `longestTickSeconds` away. Before it, a tick would change
    /// nothing (tested over random sessions), so the loop sleeps until then instead of
    /// waking every second.
    public var nextTick: Date {
        var due = now.addingTimeInterval(Self.longestTickSeconds)
        func consider(_ date: Date?) {
            if let date, date < due { due = date }
        }
        /// When `DurationText.short(now - origin)` changes.
        func age(from origin: Date?) {
            guard let origin else { return }
            consider(origin.addingTimeInterval(DurationText.nextChange(after: now.timeIntervalSince(origin))))
        }

        for (pane, area) in layout.panes {
            switch pane {
            case .jobs:
                for index in PaneKey.window(around: [jobs.top, jobs.selectedIndex], count: jobs.visible.count, span: area.height) {
                    let job = jobs.visible[index]
                    if job.startedAt != nil {
                        if job.finishedAt == nil { age(from: job.startedAt) }
                    } else {
                        age(from: job.createdAt)
                    }
                }
            case .files:
                if let listing = workspace.listing {
                    if case .events(let asOf) = listing.source {
                        age(from: asOf)
                        let stale = asOf.addingTimeInterval(WorkspaceState.staleAfter)  // "STALE" just after
                        if stale >= now { consider(stale) }
                    }
                    age(from: listing.checkpoint?.modified)
                }
                for index in PaneKey.window(around: [workspace.top, workspace.cursor], count: workspace.entries.count,
                                            span: area.height) {
                    age(from: workspace.entries[index].modified)
                }
            case .timeline:
                guard let window = TimelinePane.window(self, body: Layout.interior(of: area)) else { continue }
                let spc = timeline.secondsPerColumn
                // The middle of the next column (a running span reaches it), and the next whole
                // column (the window moves on).
                let position = now.timeIntervalSince(window.start) / spc - 0.5
                consider(window.start.addingTimeInterval(((position.rounded(.down)) + 1.5) * spc))
                let column = (now.timeIntervalSinceReferenceDate / spc).rounded(.down)
                consider(Date(timeIntervalSinceReferenceDate: (column + 1) * spc))
            case .trace:
                continue
            }
        }
        for link in [connection.api, connection.nats] {
            guard case .reconnecting(let retryAt) = link, retryAt > now else { continue }
            // The countdown shows whole seconds, rounded up.
            let left = retryAt.timeIntervalSince(now)
            consider(retryAt.addingTimeInterval(-((left.rounded(.up)) - 1)))
        }
        if let flash { consider(flash.until) }

        // The refreshes and reads `.ticked` asks for (one already due: at once).
        for refresh in [timelineRefreshDue, workspaceRefreshDue, usageRequestDue] { consider(refresh.map { max($0, now) }) }
        return due
    }
}
