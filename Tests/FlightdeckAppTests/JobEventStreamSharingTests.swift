import FlightdeckApp
import FlightdeckCore
import FlightdeckTestSupport
import Foundation
import HTTPServing
import HistoryStore
import Orchestrator
import Synchronization
import Testing

/// Streams share each record's encoded event within a process: a stream must still send the
/// record its own store holds, never bytes made for an equal key (job, seq) of another store.
@Suite(.timeLimit(.minutes(1))) struct JobEventStreamSharingTests {
    let directory = TemporaryDirectory("flightdeck-stream-sharing")

    /// Everything `run` writes, as text.
    final class Collected: Sendable {
        let text = Mutex("")
        var value: String { text.withLock { $0 } }
    }

    func streamed(_ name: String, text: String) async throws -> String {
        let store = try await HistoryStore.opening(path: directory.file(name + ".db"))
        let finished = Date(timeIntervalSince1970: 1_800_000_000)
        _ = try store.write([
            .job(AgentJob(id: "same", name: "same", namespace: "agents", createdAt: finished, startedAt: finished,
                finishedAt: finished, status: .succeeded)),
            .trace(TraceRecord(jobID: "same", sourceID: "s:1", time: finished, kind: .thought, text: text)),
        ])
        let feed = try await store.reading { LiveFeed(store: $0) }
        let collected = Collected()
        let stream = JobEventStream(store: store, feed: feed, jobID: "same", after: 0, quietPeriod: .milliseconds(100))
        try await stream.run(HTTPBodyWriter { bytes in
            collected.text.withLock { $0 += String(decoding: bytes, as: UTF8.self) }
        })
        return collected.value
    }

    @Test func eachStoreSendsItsOwnRecordForTheSameJobAndSeq() async throws {
        for round in 1...2 {  // the second round finds both stores' events cached
            let first = try await streamed("first", text: "from the first store")
            let second = try await streamed("second", text: "from the second store")
            #expect(first.contains("id: 1\n"), "round \(round)")
            #expect(first.contains("from the first store") && !first.contains("from the second store"), "round \(round)")
            #expect(second.contains("id: 1\n"), "round \(round)")
            #expect(second.contains("from the second store") && !second.contains("from the first store"), "round \(round)")
            #expect(first.contains("event: done") && second.contains("event: done"), "round \(round)")
        }
    }
}
