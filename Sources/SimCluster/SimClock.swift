import Foundation

/// A clock that runs `SimTiming` times faster than the wall clock from a fixed start.
///
/// Why: controllers compare the store's clock with deadlines (a back-off's end, a Job's
/// `activeDeadlineSeconds`) and sleep through `SimTiming`. Giving the store this clock
/// keeps both views in step, so a demo or test at scale 0.001 sees a 10-second back-off
/// as 10 simulated seconds in timestamps while it lasts 10 ms.
public struct SimClock: Sendable {
    public let start: Date
    public let timing: SimTiming
    private let wallStart: ContinuousClock.Instant

    public init(start: Date = Date(), timing: SimTiming) {
        self.start = start
        self.timing = timing
        wallStart = ContinuousClock.now
    }

    /// The simulated time now.
    public func now() -> Date {
        let elapsed = ContinuousClock.now - wallStart
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        guard timing.scale > 0 else { return start }
        return start.addingTimeInterval(seconds / timing.scale)
    }

    /// `now` as the closure `APIStoreConfiguration.clock` takes.
    public var closure: @Sendable () -> Date {
        let copy = self
        return { copy.now() }
    }
}
