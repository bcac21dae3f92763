import Foundation

/// A stretch of time an agent spent in one phase, for the timeline's swimlanes.
public struct PhaseSpan: Sendable, Hashable, Codable {
    public var jobID: String
    public var phase: Phase
    public var start: Date
    /// `nil` while the span is still open.
    public var end: Date?

    public init(jobID: String, phase: Phase, start: Date, end: Date? = nil) {
        self.jobID = jobID
        self.phase = phase
        self.start = start
        self.end = end
    }

    public func duration(now: Date) -> TimeInterval {
        (end ?? now).timeIntervalSince(start)
    }
}

/// A point event drawn on a job's swimlane.
public struct PhaseMarker: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        case podRestart
        case retry
        case checkpoint
        case failure
    }

    public var jobID: String
    public var kind: Kind
    public var time: Date
    /// A short, sanitised detail (`step 7`, `OOMKilled`).
    public var detail: String?

    public init(jobID: String, kind: Kind, time: Date, detail: String? = nil) {
        self.jobID = jobID
        self.kind = kind
        self.time = time
        self.detail = detail
    }
}
