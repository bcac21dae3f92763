import FlightdeckCore
import Foundation

/// What `SpanMapping` made of one export request: trace records and phase changes for the
/// jobs named by the spans' resources, and how many spans it refused, and why.
public struct MappedSpans: Sendable, Hashable {
    /// Cleaned records, ordered by time (request order among equal times).
    public var records: [TraceRecord] = []
    /// Where a job entered a phase, ordered by time.
    public var phaseChanges: [PhaseChange] = []
    /// Each job the accepted spans belong to, in the order first seen.
    public var jobs: [JobSighting] = []
    /// Runs that ended: a root agent span (no parent) of the job closed, at its end time.
    public var runsEnded: [RunEnd] = []
    /// Spans that became records.
    public var acceptedSpans = 0
    /// Spans that became nothing: no job, no usable span id.
    public var rejectedSpans = 0
    /// The distinct reasons for `rejectedSpans`, each one line without the client's strings.
    public var rejections: [String] = []

    public init() {}

    /// `rejections` as the one line of an OTLP partial success (`""` when none).
    public var errorMessage: String {
        rejections.joined(separator: "; ")
    }

    /// The job entered `phase` at `time` (what `HistoryWrite.phaseChange` stores).
    public struct PhaseChange: Sendable, Hashable {
        public var jobID: String
        public var phase: Phase
        public var time: Date
        public var sourceID: String

        public init(jobID: String, phase: Phase, time: Date, sourceID: String) {
            self.jobID = jobID
            self.phase = phase
            self.time = time
            self.sourceID = sourceID
        }
    }

    /// A job as its spans describe it: enough for a history row when the cluster has not
    /// described it (yet).
    public struct JobSighting: Sendable, Hashable {
        public var id: String
        /// `k8s.namespace.name`, cleaned; `default` when the resource does not say.
        public var namespace: String
        /// The earliest start of its spans in the request.
        public var firstSeen: Date

        public init(id: String, namespace: String, firstSeen: Date) {
            self.id = id
            self.namespace = namespace
            self.firstSeen = firstSeen
        }
    }

    /// The end of an agent's run as its own telemetry tells it: its root `invoke_agent` (or
    /// OpenInference AGENT) span closed, failed when that span did.
    public struct RunEnd: Sendable, Hashable {
        public var jobID: String
        public var time: Date
        public var failed: Bool

        public init(jobID: String, time: Date, failed: Bool) {
            self.jobID = jobID
            self.time = time
            self.failed = failed
        }
    }
}
