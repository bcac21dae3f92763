import FlightdeckCore
import FlightdeckTestSupport
import Foundation
import Testing
@testable import HistoryStore

/// The `usage` a record carries is stored with it, read back, and summed per queue for a day:
/// what a queue's token budget is checked against.
@Suite struct TokenUsageStoreTests {
    let dir = TemporaryDirectory()

    @Test func usageIsKeptAndSummedPerQueueSinceATime() throws {
        let store = try HistoryStore(path: dir.file("history.db"))
        var homelab = job("h")
        homelab.queue = "homelab"
        homelab.priority = .high
        var batch = job("b")
        batch.queue = "batch"
        let unqueued = job("u")
        func used(_ id: String, _ n: Int, input: Int64, output: Int64, at time: Double) -> HistoryWrite {
            var entry = record(id, n)
            entry.time = Date(timeIntervalSince1970: time)
            entry.usage = TokenUsage(inputTokens: input, outputTokens: output, model: "qwen2.5-coder")
            return .trace(entry)
        }
        try store.write([.job(homelab), .job(batch), .job(unqueued),
            used("h", 1, input: 1_000, output: 200, at: 1_800_000_000),  // yesterday
            used("h", 2, input: 500, output: 50, at: 1_800_090_000),
            .trace(record("h", 3)),  // no usage
            used("h", 4, input: 300, output: 30, at: 1_800_090_100),
            used("b", 1, input: 7, output: 0, at: 1_800_090_000),
            used("u", 1, input: 40, output: 2, at: 1_800_090_000),
        ])
        let since = Date(timeIntervalSince1970: 1_800_086_400)
        #expect(try store.tokensByQueue(since: since, defaultQueue: "homelab") == ["homelab": 922, "batch": 7])
        #expect(try store.tokensByQueue(since: since, defaultQueue: "default") == ["homelab": 880, "batch": 7, "default": 42])
        let stored = try store.trace(jobID: "h", seq: 1...4)
        #expect(stored.map(\.usage?.total) == [1_200, 550, nil, 330])
        #expect(stored.first?.usage?.model == "qwen2.5-coder")
        #expect(try store.job(id: "h")?.queue == "homelab")
        #expect(try store.job(id: "h")?.priority == .high)
    }
}
