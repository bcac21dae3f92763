import Foundation
import Synchronization

/// Measures how late a task that asked to wake actually runs, when it shares its threads with
/// `work`: the symptom of `work` blocking a thread (a condition wait, a semaphore, synchronous
/// I/O) instead of suspending. On two cores the cooperative pool has two threads, and two
/// blocked ones stall every task of the process.
///
/// The probe and `work` run on an executor of one thread owned by the probe, not on the shared
/// pool: whatever else the test process runs meanwhile cannot make the probe late, so only
/// `work` is measured.
public enum CooperativePoolProbe {
    /// Runs `work` while a probe task wakes every `interval`, both on one thread; returns the
    /// worst lateness of a wake-up seen until `work` returned (at least `window`).
    public static func worstLateness(window: Duration = .seconds(2), interval: Duration = .milliseconds(10),
        during work: @escaping @Sendable () async throws -> Void) async throws -> Duration
    {
        let executor = SingleThreadExecutor(name: "flightdeck.pool-probe")
        defer { executor.stop() }
        return try await withTaskExecutorPreference(executor) {
            let clock = ContinuousClock()
            let probe = Task<Duration, Never>(executorPreference: executor) {
                var worst: Duration = .zero
                let end = clock.now + window
                while !(Task.isCancelled && clock.now >= end) {
                    let asked = clock.now + interval
                    try? await Task.sleep(until: asked, clock: clock)
                    worst = max(worst, clock.now - asked)
                }
                return worst
            }
            let worker = Task(executorPreference: executor) { try await work() }
            try? await Task.sleep(for: window)
            let result = await worker.result
            probe.cancel()
            let worst = await probe.value
            try result.get()
            return worst
        }
    }
}

/// A task executor with one thread of its own.
final class SingleThreadExecutor: TaskExecutor, @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var stopped = false

    init(name: String) {
        let thread = Thread { [self] in run() }
        thread.name = name
        thread.start()
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let unowned = UnownedJob(job)
        condition.lock()
        jobs.append(unowned)
        condition.signal()
        condition.unlock()
    }

    func stop() {
        condition.lock()
        stopped = true
        condition.signal()
        condition.unlock()
    }

    private func run() {
        while true {
            condition.lock()
            while jobs.isEmpty, !stopped { condition.wait() }
            if jobs.isEmpty, stopped {
                condition.unlock()
                return
            }
            let job = jobs.removeFirst()
            condition.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}
