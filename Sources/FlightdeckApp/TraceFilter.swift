import AgentManifests
import FlightdeckCore
import Foundation

/// Which of a job's trace records `flightdeck logs` prints: since a time, of some kinds.
public struct TraceFilter: Sendable, Hashable {
    public var since: Date?
    public var kinds: Set<TraceKind>?

    public init(since: Date? = nil, kinds: Set<TraceKind>? = nil) {
        self.since = since
        self.kinds = kinds
    }

    /// From the flags: `since` is a duration back from `now` (90s, 15m, 2h, 3d) or an
    /// RFC 3339 time, `kinds` a comma-separated list; either wrong is one line saying what
    /// is expected.
    public init(since: String?, kinds: String?, now: Date) throws {
        if let since {
            if let date = RFC3339.date(from: since) {
                self.since = date
            } else if let seconds = TraceStartPoint.duration(since) {
                self.since = now.addingTimeInterval(-seconds)
            } else {
                throw OperatorError("--since \(TerminalText.line(since)): expected a duration like 15m or 2h, or an RFC 3339 time")
            }
        }
        if let kinds {
            var set: Set<TraceKind> = []
            for name in kinds.split(separator: ",") {
                let trimmed = name.trimmingCharacters(in: .whitespaces).lowercased()
                guard let kind = TraceKind(rawValue: trimmed) else {
                    throw OperatorError("--kind: unknown kind '\(TerminalText.line(trimmed))' (expected \(TraceKind.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
                set.insert(kind)
            }
            self.kinds = set
        }
    }

    public func admits(_ record: TraceRecord) -> Bool {
        if let since, record.time < since { return false }
        if let kinds, !kinds.contains(record.kind) { return false }
        return true
    }
}
