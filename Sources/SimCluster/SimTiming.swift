import Foundation

/// How fast simulated time runs against the wall clock.
///
/// Controllers and agents wait for the durations the real cluster uses (a Job's pod-failure
/// back-off starts at 10 s; an agent thinks for a few seconds per step). Tests and demos
/// scale them down so a whole run takes seconds, without changing the logic that waits.
public struct SimTiming: Sendable, Hashable {
    /// Wall seconds per simulated second: 1 is real time, 0.01 is a hundred times faster.
    public var scale: Double

    public init(scale: Double = 1) {
        self.scale = max(0, scale)
    }

    public static let realTime = SimTiming(scale: 1)

    /// The wall-clock duration of `seconds` simulated seconds.
    public func duration(seconds: Double) -> Duration {
        .nanoseconds(Int64((seconds * scale * 1e9).rounded()))
    }

    /// Sleeps for `seconds` simulated seconds (throws when the task is cancelled).
    public func sleep(seconds: Double) async throws {
        try await Task.sleep(for: duration(seconds: seconds))
    }
}
