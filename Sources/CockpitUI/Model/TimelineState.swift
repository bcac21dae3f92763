import FlightdeckCore
import Foundation

/// The phase timeline: each job's spans and markers as loaded, the zoom, and the cursor time
/// it shares with the trace.
public struct TimelineState: Sendable, Hashable {
    /// A job's lane as last loaded.
    public struct Lane: Sendable, Hashable {
        public var spans: [PhaseSpan]
        public var markers: [PhaseMarker]
    }

    /// Seconds per column, from close-up (a fast agent's first seconds) to a day's overview.
    public static let zoomLevels: [TimeInterval] = [0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1_800, 3_600]

    public internal(set) var lanes: [String: Lane] = [:]
    /// Lanes asked for and not answered yet (so a new job list does not ask twice).
    var requested: Set<String> = []
    /// The scale follows the selected job's run (until + or - is pressed).
    public internal(set) var autoZoom = true
    public internal(set) var zoomIndex = 5  // 10 s a column
    /// The time the timeline's cursor stands at; `nil` follows "now".
    public internal(set) var cursorTime: Date?

    public init() {}

    public var secondsPerColumn: TimeInterval { Self.zoomLevels[zoomIndex] }
}
