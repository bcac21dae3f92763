import FlightdeckCore
import Foundation

/// One thing to remember. Every case is idempotent: writing it twice stores it once.
public enum HistoryWrite: Sendable, Hashable {
    /// The job as the cluster (or an import) last described it; later writes win for state,
    /// while identity fields (uid, task, image, created) are kept once known.
    case job(AgentJob)
    /// A job only as a source other than the cluster knows it (an agent's own telemetry):
    /// stored when history has no job of its id, and never changing one it has, so it cannot
    /// clobber what the cluster said. Checked in the batch's transaction, so no race.
    case jobIfAbsent(AgentJob)
    /// A job only its own telemetry knows (no Kubernetes uid) ended, at `time`: it becomes
    /// succeeded or failed. A Job the cluster knows, or one already finished, is left as it is:
    /// the cluster says when its Jobs end.
    case telemetryRunEnded(jobID: String, failed: Bool, time: Date)
    /// A trace record; deduplicated on (job, `sourceID`), numbered on insert.
    case trace(TraceRecord)
    /// The agent entered `phase` at `time`.
    case phaseChange(jobID: String, phase: Phase, time: Date, sourceID: String)
    /// A restart, retry, checkpoint or failure to draw on the timeline.
    case marker(PhaseMarker, sourceID: String)
    /// The agent's own listing of its workspace at `asOf`; an older one never replaces a newer.
    case workspace(jobID: String, entries: [WorkspaceEntry], asOf: Date, sourceID: String)

    var jobID: String {
        switch self {
        case let .job(job): job.id
        case let .telemetryRunEnded(jobID, _, _): jobID
        case let .jobIfAbsent(job): job.id
        case let .trace(record): record.jobID
        case let .phaseChange(jobID, _, _, _): jobID
        case let .marker(marker, _): marker.jobID
        case let .workspace(jobID, _, _, _): jobID
        }
    }
}

/// What one committed batch changed.
public struct HistoryCommit: Sendable, Equatable {
    /// The trace records that were new, with their assigned `seq`, in write order.
    public var records: [TraceRecord] = []
    /// Writes that were already stored (redeliveries, another cockpit was first).
    public var duplicates = 0
    /// Jobs whose row, phases or markers changed.
    public var jobsChanged: Set<String> = []

    public init(records: [TraceRecord] = [], duplicates: Int = 0, jobsChanged: Set<String> = []) {
        self.records = records
        self.duplicates = duplicates
        self.jobsChanged = jobsChanged
    }
}
