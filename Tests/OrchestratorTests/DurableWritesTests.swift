import FlightdeckCore
import FlightdeckTestSupport
import Foundation
import HistoryStore
import KubeClient
import Synchronization
import Testing
@testable import Orchestrator

/// A source's writes against a store another process locks: refused batches come back, are
/// committed again in order, and the failure is reported while it lasts and when it ends.
@Suite(.timeLimit(.minutes(1))) struct DurableWritesTests {
    static func trace(_ job: String, _ n: Int) -> HistoryWrite {
        .trace(TraceRecord(jobID: job, sourceID: "\(job)-\(n)", time: Date(timeIntervalSince1970: 1_800_000_000 + Double(n)),
            kind: .message, text: "line \(n)"))
    }

    @Test(arguments: [false, true]) func refusedBatchesAreRetriedUntilStored(ordered: Bool) async throws {
        let directory = TemporaryDirectory("flightdeck-durable")
        let path = directory.file("history.db")
        let store = try HistoryStore(path: path, options: .init(busyTimeout: 0.2))
        let writer = HistoryWriter(store: store, limits: .init(maxRows: 50, maxDelay: 0.005))
        let reports = Mutex<[HistoryStoreError?]>([])
        let writes = DurableWrites(writer: writer, maxInFlight: 200, ordered: ordered,
            backoff: Backoff(initial: 0.2, maximum: 0.5)) { error in reports.withLock { $0.append(error) } }
        let lock = try SQLiteWriteLock(path: path, seconds: 1.5)
        for batch in 0..<20 {
            try await writes.write((0..<25).map { Self.trace("j", batch * 25 + $0) })
        }
        try await writes.settle()
        lock.release()
        #expect(try store.traceCount(jobID: "j") == 500)
        #expect(writes.failedBatches == 0)
        let seen = reports.withLock { $0 }
        #expect(seen.contains(.busy(path: store.path)), "reported while it lasted: \(seen)")
        #expect(seen.last == .some(nil), "and when it ended")
        // In order: the store numbered the records as their lines go.
        let texts = try store.trace(jobID: "j", seq: 1...500).map(\.text)
        if ordered { #expect(texts == (0..<500).map { "line \($0)" }) }
        try? await writer.closed()
    }
}

