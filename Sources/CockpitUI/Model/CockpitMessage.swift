import FlightdeckCore
import Foundation

/// Everything that happens to the cockpit, in the past tense: terminal input, time, and the
/// values the orchestrator and store hand over. `Cockpit.update` is the only reader.
public enum CockpitMessage: Sendable {
    case terminal(TerminalEvent)
    /// The clock moved (about once a second): ages, countdowns and flash messages use it.
    case ticked(Date)
    /// A full snapshot of the jobs, deleted ones included (they stay, dimmed).
    case jobsListed([AgentJob])
    /// The newest jobs, while the whole list of a long history is on its way: a first frame
    /// need not wait for thousands of rows. `total` counts them all.
    case jobsFirstPage([AgentJob], total: Int)
    /// The rows of the jobs `ids` as they are now (a job asked for and not among them is gone
    /// from history): what changed since the last snapshot, without listing every job again.
    case jobsUpdated(ids: Set<String>, jobs: [AgentJob])
    /// Live records of any job, already stored (`seq` assigned).
    case traceAppended([TraceRecord])
    /// The answer to `loadTrace`/`loadTraceTail`: records in seq order and the job's total.
    case tracePageLoaded(jobID: String, records: [TraceRecord], total: Int64)
    /// The answer to `searchTrace`: the matching record's seq, or nil for none that way.
    case traceSearchResult(jobID: String, query: String, seq: Int64?)
    case timelineLoaded(jobID: String, spans: [PhaseSpan], markers: [PhaseMarker])
    /// The answer to `loadUsage`: the use of each of `jobIDs` that reported any (one absent
    /// from `usage` has none).
    case usageLoaded(jobIDs: [String], usage: [String: JobUsage])
    case workspaceListed(jobID: String, listing: WorkspaceListing)
    case filePreviewLoaded(jobID: String, path: String, text: String, truncated: Bool)
    case connectionChanged(ConnectionStatus)
    /// What the credentials may do; `readOnly` refuses every intent.
    case capabilitiesLoaded(allowed: Set<JobIntentKind>, readOnly: Bool)
    case actionFinished(String)
    case actionFailed(String)
    case themeLoaded(Theme)
    /// A theme could not be used: the message is shown and the default theme is applied.
    case themeFailed(String)
    case contextInfo(context: String, cluster: String)
    /// The config's task queues (`names` empty: it has none) and whether Kueue admits their
    /// jobs: the move picker lists them, start-now is refused under Kueue.
    case queuesLoaded(names: [String], default: String, kueue: Bool)
}
