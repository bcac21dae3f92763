import FlightdeckCore
import FlightdeckTestSupport
import Foundation
import HistoryStore
import Testing

/// Async producers of a history writer whose store cannot commit (another process holds the
/// write lock) wait without holding a thread: a task sharing their one thread stays on time
/// however many of them there are. (With the blocking `submit`, a producer at a full queue
/// holds its thread until the store commits: two of them stall the whole cooperative pool of
/// a two-core machine.)
@Suite(.timeLimit(.minutes(1))) struct CooperativePoolTests {
    @Test func producersWaitingForAStuckStoreHoldNoThread() async throws {
        let directory = TemporaryDirectory("flightdeck-pool")
        let path = directory.file("history.db")
        let store = try HistoryStore(path: path, options: .init(busyTimeout: 60))  // waits out the lock
        let lock = try SQLiteWriteLock(path: path, seconds: 3)
        let writer = HistoryWriter(store: store, limits: .init(maxRows: 50, maxDelay: 0.001, capacity: 100))
        let worst = try await CooperativePoolProbe.worstLateness(window: .seconds(2)) {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for producer in 0..<8 {
                    group.addTask {
                        for batch in 0..<20 {
                            let writes = (0..<50).map { index in
                                HistoryWrite.trace(TraceRecord(jobID: "pool", sourceID: "p\(producer)-\(batch)-\(index)",
                                    time: Date(), kind: .message, text: "line"))
                            }
                            try await writer.enqueue(contentsOf: writes)
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
        lock.release()
        try await writer.closed()
        // Blocking producers would hold the probe's thread for the whole 3 s lock.
        #expect(worst < .milliseconds(1_500), "a task sharing the producers' thread ran \(worst) late")
        #expect(try store.traceCount(jobID: "pool") == 8 * 20 * 50)
    }
}

