import Foundation

/// Measures how late the cooperative pool runs a task that asked to wake: the symptom of a
/// thread of the pool blocked (a condition wait, a semaphore, synchronous I/O). On two cores
/// the pool has two threads; two blocked ones stall every task of the process.
public enum CooperativePoolProbe {
    /// Runs `work` while a probe task wakes every `interval`; returns the worst lateness of a
    /// wake-up seen until `work` returned (at least `window`).
    public static func worstLateness(window: Duration = .seconds(2), interval: Duration = .milliseconds(10),
        during work: @escaping @Sendable () async throws -> Void) async throws -> Duration
    {
        let clock = ContinuousClock()
        let probe = Task<Duration, Never> {
            var worst: Duration = .zero
            let end = clock.now + window
            while !Task.isCancelled || clock.now < end {
                let asked = clock.now + interval
                try? await Task.sleep(until: asked, clock: clock)
                worst = max(worst, clock.now - asked)
                if Task.isCancelled, clock.now >= end { break }
            }
            return worst
        }
        let worker = Task { try await work() }
        try? await Task.sleep(for: window)
        let result = await worker.result
        probe.cancel()
        let worst = await probe.value
        try result.get()
        return worst
    }
}
