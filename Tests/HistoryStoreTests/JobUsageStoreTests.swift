import FlightdeckCore
import FlightdeckTestSupport
import Foundation
import Testing
@testable import HistoryStore

/// A job's token use per model, read from a real history file: what `flightdeck jobs` shows
/// and prices, read through the usage-only index.
@Suite struct JobUsageStoreTests {
    let dir = TemporaryDirectory()

    @Test func aJobsUsageIsSummedPerModelAndManyJobsAreReadAtOnce() throws {
        let store = try HistoryStore(path: dir.file("history.db"))
        func used(_ id: String, _ n: Int, input: Int64, output: Int64, model: String?) -> HistoryWrite {
            var entry = record(id, n)
            entry.usage = TokenUsage(inputTokens: input, outputTokens: output, model: model)
            return .trace(entry)
        }
        try store.write([.job(job("a")), .job(job("b")), .job(job("quiet")),
            used("a", 1, input: 1_000, output: 100, model: "gpt-4o"),
            .trace(record("a", 2)),  // no usage
            used("a", 3, input: 500, output: 50, model: "qwen2.5-coder:32b"),
            used("a", 4, input: 2_000, output: 300, model: "gpt-4o"),
            used("a", 5, input: 10, output: 1, model: nil),
            used("b", 1, input: 7, output: 3, model: "gpt-4o"),
            .trace(record("quiet", 1)),
        ])
        #expect(try store.usage(job: "a") == [
            TokenUsage(inputTokens: 3_000, outputTokens: 400, model: "gpt-4o"),
            TokenUsage(inputTokens: 500, outputTokens: 50, model: "qwen2.5-coder:32b"),
            TokenUsage(inputTokens: 10, outputTokens: 1, model: nil),
        ])
        #expect(try store.usage(job: "quiet").isEmpty)
        #expect(try store.usage(job: "nobody").isEmpty)
        let many = try store.usage(jobs: ["a", "b", "quiet", "nobody"])
        #expect(Set(many.keys) == ["a", "b"], "jobs without usage are absent")
        #expect(many["b"] == [TokenUsage(inputTokens: 7, outputTokens: 3, model: "gpt-4o")])
        #expect(try store.usage(jobs: []).isEmpty)
    }

    @Test func usagePerQueueSinceATimeIsSplitByModel() throws {
        let store = try HistoryStore(path: dir.file("history.db"))
        var homelab = job("h")
        homelab.queue = "homelab"
        func used(_ id: String, _ n: Int, input: Int64, model: String, at time: Double) -> HistoryWrite {
            var entry = record(id, n)
            entry.time = Date(timeIntervalSince1970: time)
            entry.usage = TokenUsage(inputTokens: input, outputTokens: 1, model: model)
            return .trace(entry)
        }
        try store.write([.job(homelab), .job(job("u")),
            used("h", 1, input: 1_000, model: "gpt-4o", at: 1_800_000_000),  // yesterday
            used("h", 2, input: 500, model: "gpt-4o", at: 1_800_090_000),
            used("h", 3, input: 300, model: "local", at: 1_800_090_100),
            used("u", 1, input: 40, model: "gpt-4o", at: 1_800_090_000),
        ])
        let usage = try store.usageByQueue(since: Date(timeIntervalSince1970: 1_800_086_400), defaultQueue: "default")
        #expect(usage == [
            "homelab": [TokenUsage(inputTokens: 500, outputTokens: 1, model: "gpt-4o"),
                        TokenUsage(inputTokens: 300, outputTokens: 1, model: "local")],
            "default": [TokenUsage(inputTokens: 40, outputTokens: 1, model: "gpt-4o")],
        ])
    }
}
