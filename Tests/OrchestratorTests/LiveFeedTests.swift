import FlightdeckCore
import FlightdeckTestSupport
import Foundation
import HistoryStore
import Orchestrator
import Testing

/// The live feed when several writers share one history file — as `flightdeck record`
/// beside a cockpit, or two cockpits splitting one durable consumer. Each `HistoryStore`
/// here has its own SQLite connections, as a second process would: subscribers must get
/// every record of a job once, in `seq` order, whoever committed it.
@Suite(.timeLimit(.minutes(3))) struct LiveFeedTests {
    let dir = TemporaryDirectory()

    static func record(_ job: String, _ source: String) -> HistoryWrite {
        .trace(TraceRecord(jobID: job, sourceID: source, time: Date(), kind: .thought, text: "step \(source)"))
    }

    /// Collects handed-out records until `count` have come (or the feed goes quiet).
    static func collect(_ updates: LiveFeed.Updates, count: Int) async -> (records: [TraceRecord], missed: Set<String>) {
        var records: [TraceRecord] = []
        var missed: Set<String> = []
        let collector = Task {
            for await update in updates {
                records += update.records
                missed.formUnion(update.missed)
                if records.count >= count || !missed.isEmpty { break }
            }
            return (records, missed)
        }
        let timeout = Task {
            try await Task.sleep(for: .seconds(90))
            collector.cancel()
        }
        let result = await collector.value
        timeout.cancel()
        return result
    }

    struct Writers {
        let ours: HistoryStore
        let feed: LiveFeed
        let writer: HistoryWriter
        let other: HistoryWriter

        init(path: String) throws {
            ours = try HistoryStore(path: path)
            let feed = LiveFeed(store: ours)
            self.feed = feed
            writer = HistoryWriter(store: ours) { outcome in
                if case .committed(let commit) = outcome { feed.publish(commit) }
            }
            other = HistoryWriter(store: try HistoryStore(path: path))
        }

        func close() throws {
            try writer.close()
            try other.close()
        }
    }

    @Test func recordsCommittedInTurnByAnotherProcessReachSubscribersOnceAndInOrder() async throws {
        let writers = try Writers(path: dir.file("shared.db"))
        let following = Task { await writers.feed.followOtherWriters(every: .milliseconds(20), idleInterval: .milliseconds(100)) }
        let updates = writers.feed.updates()
        // Ten rounds: the other process commits five records of the job, then we commit five.
        for round in 0..<10 {
            try await writers.other.enqueue(contentsOf: Array((0..<5).map { Self.record("j", "other-\(round)-\($0)") }))
            try await writers.other.flushed()
            try await writers.writer.enqueue(contentsOf: Array((0..<5).map { Self.record("j", "ours-\(round)-\($0)") }))
            try await writers.writer.flushed()
        }
        let (records, missed) = await Self.collect(updates, count: 100)
        #expect(missed.isEmpty)
        #expect(records.map(\.seq) == Array(1...100), "gap-free, each once, in seq order")
        #expect(records.filter { $0.sourceID.hasPrefix("other-") }.count == 50)
        following.cancel()
        try writers.close()
    }

    @Test func recordsAnotherProcessStoredFirstAreStillHandedOut() async throws {
        // Both follow the same pod log: the other process wins every race, so each of our
        // writes finds its record already stored (a duplicate) and our commits carry none.
        let writers = try Writers(path: dir.file("race.db"))
        let following = Task { await writers.feed.followOtherWriters(every: .milliseconds(20), idleInterval: .milliseconds(100)) }
        let updates = writers.feed.updates()
        let batch = (0..<30).map { Self.record("k", "pod:\($0)") }
        try await writers.other.enqueue(contentsOf: Array(batch))
        try await writers.other.flushed()
        try await writers.writer.enqueue(contentsOf: Array(batch))
        try await writers.writer.flushed()
        let (records, _) = await Self.collect(updates, count: 30)
        #expect(records.map(\.sourceID) == batch.map { if case .trace(let r) = $0 { r.sourceID } else { "" } })
        following.cancel()
        try writers.close()
    }

    @Test func historyFromBeforeTheFeedStartedIsNotReplayed() async throws {
        let path = dir.file("old.db")
        let before = HistoryWriter(store: try HistoryStore(path: path))
        try await before.enqueue(contentsOf: Array((0..<40).map { Self.record("old", "o\($0)") }))
        try await before.closed()
        let writers = try Writers(path: path)
        let following = Task { await writers.feed.followOtherWriters(every: .milliseconds(20), idleInterval: .milliseconds(100)) }
        let updates = writers.feed.updates()
        try await Task.sleep(for: .milliseconds(100))  // polls that must find nothing new
        try await writers.other.enqueue(contentsOf: Array((0..<3).map { Self.record("old", "n\($0)") }))
        try await writers.other.flushed()
        let (records, _) = await Self.collect(updates, count: 3)
        #expect(records.map(\.seq) == [41, 42, 43])
        following.cancel()
        try writers.close()
    }

    @Test func aGapTooLargeToReadIsReportedAsMissed() async throws {
        let path = dir.file("gap.db")
        let ours = try HistoryStore(path: path)
        let feed = LiveFeed(store: ours, gapLimit: 10)
        let writer = HistoryWriter(store: ours) { outcome in
            if case .committed(let commit) = outcome { feed.publish(commit) }
        }
        let other = HistoryWriter(store: try HistoryStore(path: path))
        let updates = feed.updates()
        try await writer.enqueue(Self.record("g", "first"))
        try await writer.flushed()
        try await other.enqueue(contentsOf: Array((0..<25).map { Self.record("g", "bulk-\($0)") }))
        try await other.flushed()
        try await writer.enqueue(Self.record("g", "after"))
        try await writer.flushed()
        var iterator = updates.makeAsyncIterator()
        var seen: [Int64] = []
        var missed: Set<String> = []
        while seen.last != 27, let update = await iterator.next() {
            seen += update.records.map(\.seq)
            missed.formUnion(update.missed)
        }
        #expect(seen == [1, 27], "the 25 between are left to the store")
        #expect(missed == ["g"])
        try await writer.closed()
        try await other.closed()
    }

    /// A long history's finished jobs are not read when the feed starts (it would take one
    /// seek per job): one of them that grows later is reported missed, never replayed.
    @Test func aJobQuietWhenTheFeedStartedIsReportedMissedWhenItGrows() async throws {
        let path = dir.file("quiet.db")
        let before = HistoryWriter(store: try HistoryStore(path: path))
        try await before.enqueue(.job(AgentJob(id: "q", name: "q", namespace: "agents", finishedAt: Date(), status: .succeeded)))
        try await before.enqueue(contentsOf: Array((0..<40).map { Self.record("q", "o\($0)") }))
        try await before.closed()
        // Finished and last written an hour ago.
        let old = Date().timeIntervalSince1970 - 3_600
        _ = await SQLiteProbe.scalar(path, "UPDATE jobs SET updated_at = \(old), finished_at = \(old)")
        let writers = try Writers(path: path)
        let following = Task { await writers.feed.followOtherWriters(every: .milliseconds(20), idleInterval: .milliseconds(100)) }
        let updates = writers.feed.updates()
        // Another process marks it deleted (its row changes): the poll sees it, not its trace.
        try await writers.other.enqueue(.job(AgentJob(id: "q", name: "q", namespace: "agents", finishedAt: Date(timeIntervalSince1970: old),
            status: .succeeded, deletedAt: Date())))
        try await writers.other.flushed()
        try await writers.writer.enqueue(Self.record("q", "late"))
        try await writers.writer.flushed()
        let (records, missed) = await Self.collect(updates, count: 1)
        #expect(records.isEmpty, "history from before the feed started is not replayed")
        #expect(missed == ["q"])
        // After that, the job is followed like any other.
        try await writers.writer.enqueue(Self.record("q", "later"))
        try await writers.writer.flushed()
        let (next, _) = await Self.collect(updates, count: 1)
        #expect(next.map(\.seq) == [42])
        following.cancel()
        try writers.close()
    }
}
