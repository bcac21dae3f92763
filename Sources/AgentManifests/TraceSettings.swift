import ConfigYAML
import FlightdeckCore
import Foundation

/// The `trace:` section of Flightdeck's config file: how the cockpit reads the agents' trace.
///
/// ```yaml
/// trace:
///   startFrom: last 200      # new | all | last N (per job) | since 2026-11-29T08:00:00Z | since 2h
///   autoPinKeywords: ["Traceback (most recent call last)", "panic:"]   # [] turns auto-pin off
/// ```
public struct TraceSettings: Sendable, Hashable {
    /// Where a cockpit's durable consumer starts the first time (afterwards it resumes).
    public var startFrom: TraceStartPoint
    /// Trace text that pins a Job for debugging; `nil`: the built-in list.
    public var autoPinKeywords: [String]?

    public init(startFrom: TraceStartPoint = .lastPerJob(500), autoPinKeywords: [String]? = nil) {
        self.startFrom = startFrom
        self.autoPinKeywords = autoPinKeywords
    }

    static func read(_ fields: YAMLMapping, now: Date) throws(YAMLError) -> TraceSettings {
        try fields.rejectUnknownKeys(["startFrom", "autoPinKeywords"])
        var settings = TraceSettings()
        if let startFrom = fields["startFrom"], let text = try startFrom.string() {
            guard let point = TraceStartPoint(parsing: text, now: now) else {
                throw startFrom.error(expected: "new, all, last N, since <RFC 3339 time> or since <duration like 2h>")
            }
            settings.startFrom = point
        }
        if fields.contains("autoPinKeywords") {
            settings.autoPinKeywords = try fields.strings("autoPinKeywords") ?? []
        }
        return settings
    }
}

/// Where reading the trace starts the first time.
public enum TraceStartPoint: Sendable, Hashable, CustomStringConvertible {
    /// Only what is published from now on.
    case new
    /// Everything the stream still holds.
    case all
    /// The last N trace records of each job (and all its events).
    case lastPerJob(Int)
    case since(Date)

    /// `new`, `all`, `last 200`, `since 2026-11-29T08:00:00Z`, `since 2h` (s, m, h, d).
    public init?(parsing text: String, now: Date) {
        let words = text.lowercased().split(separator: " ", omittingEmptySubsequences: true)
        switch (words.first, words.count) {
        case ("new", 1): self = .new
        case ("all", 1): self = .all
        case ("last", 2):
            guard let count = Int(words[1]), count > 0 else { return nil }
            self = .lastPerJob(count)
        case ("since", 2):
            let value = String(text.split(separator: " ", omittingEmptySubsequences: true)[1])
            if let date = RFC3339.date(from: value) {
                self = .since(date)
            } else if let seconds = Self.duration(value) {
                self = .since(now.addingTimeInterval(-seconds))
            } else {
                return nil
            }
        default: return nil
        }
    }

    /// `90s`, `15m`, `2h`, `3d` in seconds.
    public static func duration(_ text: String) -> TimeInterval? {
        guard let unit = text.last, let count = Double(text.dropLast()), count >= 0 else { return nil }
        switch unit {
        case "s": return count
        case "m": return count * 60
        case "h": return count * 3_600
        case "d": return count * 86_400
        default: return nil
        }
    }

    public var description: String {
        switch self {
        case .new: "new"
        case .all: "all"
        case .lastPerJob(let count): "last \(count)"
        case .since(let date): "since \(RFC3339.string(from: date))"
        }
    }
}
