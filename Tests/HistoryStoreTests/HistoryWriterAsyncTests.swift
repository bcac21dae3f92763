import FlightdeckCore
import FlightdeckTestSupport
import Foundation
import Synchronization
import Testing
@testable import HistoryStore

/// The writer's async side: what async sources use instead of the blocking calls.
@Suite struct HistoryWriterAsyncTests {
    let dir = TemporaryDirectory()

    @Test func commitReturnsOnceStoredAndFlushedWaitsForEverything() async throws {
        let store = try HistoryStore(path: dir.file("history.db"))
        let writer = HistoryWriter(store: store, limits: .init(maxRows: 100, maxDelay: 0.05))
        try await writer.commit(contentsOf: (1...10).map { .trace(record("a", $0)) })
        #expect(try store.traceCount(jobID: "a") == 10, "stored when commit returns")
        for n in 11...300 { try await writer.enqueue(.trace(record("a", n))) }
        try await writer.flushed()
        #expect(try store.traceCount(jobID: "a") == 300)
        try await writer.closed()
    }

    @Test func aClosedWriterRefusesAndTellsTheCompletionOnce() async throws {
        let store = try HistoryStore(path: dir.file("history.db"))
        let writer = HistoryWriter(store: store)
        try await writer.closed()
        await #expect(throws: HistoryStoreError.writerClosed(path: store.path)) {
            try await writer.commit(contentsOf: [.trace(record("a", 1))])
        }
        let calls = Mutex<[HistoryStoreError?]>([])
        await writer.enqueue(contentsOf: [.trace(record("a", 2))]) { error in calls.withLock { $0.append(error) } }
        #expect(calls.withLock { $0 } == [.writerClosed(path: store.path)])
        #expect(try store.traceCount(jobID: "a") == 0)
    }

    @Test func aFailedBatchComesBackToItsCommitter() async throws {
        let store = try HistoryStore(path: dir.file("history.db"), options: .init(maxPageCount: 40))
        let writer = HistoryWriter(store: store)
        let big = (1...5_000).map { HistoryWrite.trace(record("a", $0, text: String(repeating: "z", count: 300))) }
        await #expect(throws: HistoryStoreError.diskFull(path: store.path)) { try await writer.commit(contentsOf: big) }
        #expect(writer.lastFailure == .diskFull(path: store.path))
        try await writer.commit(contentsOf: [.trace(record("b", 1))])
        #expect(writer.lastFailure == nil, "the store writes again")
        await #expect(throws: HistoryStoreError.self) { try await writer.closed() }  // the first failure is remembered
    }
}
