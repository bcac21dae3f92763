/// What the cockpit asks the runtime to do, as values (bubbletea's `Cmd`). The results come
/// back as `CockpitMessage`s; the UI itself never does I/O.
public enum CockpitEffect: Sendable, Hashable {
    /// Records `seq` of a job's trace, answered by `tracePageLoaded` (fewer when the range
    /// runs past the end).
    case loadTrace(jobID: String, seq: ClosedRange<Int64>)
    /// The last `count` records of a job's trace, answered by `tracePageLoaded`: what a newly
    /// selected job shows first, and where follow mode jumps back to.
    case loadTraceTail(jobID: String, count: Int)
    /// The next record after `seq` (`forward`) or before it that matches `query`, searched in
    /// the store: answered by `traceSearchResult`.
    case searchTrace(jobID: String, query: String, from: Int64, forward: Bool)
    /// Phase spans and markers of these jobs, each answered by `timelineLoaded`.
    case loadTimeline(jobIDs: [String])
    /// These jobs' token use, priced, with their tasks' budgets: answered by `usageLoaded`.
    case loadUsage(jobIDs: [String])
    case loadWorkspace(jobID: String)
    case loadFilePreview(jobID: String, path: String)
    case perform(JobIntent)
    case submit(TaskDraft)
    case switchContext(String)
    /// Resolve the named theme (`ThemeCatalog`), answered by `themeLoaded` or `themeFailed`.
    case loadTheme(String)
    case quit
}
