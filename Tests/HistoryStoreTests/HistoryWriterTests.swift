import FlightdeckCore
import FlightdeckTestSupport
import Foundation
import Synchronization
import Testing
@testable import HistoryStore

@Suite struct HistoryWriterTests {
    let dir = TemporaryDirectory()

    final class Outcomes: Sendable {
        let batches = Mutex<[Int]>([])
        let failures = Mutex<[HistoryStoreError]>([])
        let committed = Mutex<[Int64]>([])

        func record(_ outcome: HistoryWriter.Outcome) {
            switch outcome {
            case let .committed(commit):
                batches.withLock { $0.append(commit.records.count + commit.duplicates) }
                committed.withLock { $0 += commit.records.map(\.seq) }
            case let .failed(error, batch):
                batches.withLock { $0.append(batch.count) }
                failures.withLock { $0.append(error) }
            }
        }
    }

    @Test func batchesAreBoundedByRows() throws {
        let store = try HistoryStore(path: dir.file("history.db"))
        let outcomes = Outcomes()
        let writer = HistoryWriter(store: store, limits: .init(maxRows: 100, maxDelay: 60), onOutcome: outcomes.record)
        writer.submit(contentsOf: (1...1050).map { HistoryWrite.trace(record("a", $0)) })
        try writer.close()
        let batches = outcomes.batches.withLock { $0 }
        #expect(batches.allSatisfy { $0 <= 100 })
        #expect(batches.reduce(0, +) == 1050)
        #expect(batches.filter { $0 == 100 }.count == 10, "full batches while rows keep coming: \(batches)")
        #expect(outcomes.committed.withLock { $0 } == Array(1...1050))
        #expect(try store.traceCount(jobID: "a") == 1050)
    }

    /// Polls generously for `count` records: these tests assert what gets committed, not how fast.
    func waitForCount(_ count: Int64, job: String, in store: HistoryStore) throws {
        var waited = 0.0
        while try store.traceCount(jobID: job) < count, waited < 20 {
            Thread.sleep(forTimeInterval: 0.01)
            waited += 0.01
        }
    }

    @Test func aTrickleIsCommittedWithinTheTimeBound() throws {
        let store = try HistoryStore(path: dir.file("history.db"))
        let outcomes = Outcomes()
        let writer = HistoryWriter(store: store, limits: .init(maxRows: 1000, maxDelay: 0.05), onOutcome: outcomes.record)
        writer.submit(.trace(record("a", 1)))
        try waitForCount(1, job: "a", in: store)  // no flush: the time bound alone commits it
        #expect(try store.traceCount(jobID: "a") == 1)
        #expect(outcomes.batches.withLock { $0 } == [1])
        try writer.close()
    }

    /// Regression: a multi-record submit into an empty queue did not wake the writer, so the
    /// records waited for the next submit or flush instead of the time bound.
    @Test func aSmallBurstIsCommittedWithinTheTimeBound() throws {
        let store = try HistoryStore(path: dir.file("history.db"))
        let writer = HistoryWriter(store: store, limits: .init(maxRows: 1000, maxDelay: 0.05))
        writer.submit(contentsOf: (1...10).map { HistoryWrite.trace(record("a", $0)) })
        try waitForCount(10, job: "a", in: store)
        #expect(try store.traceCount(jobID: "a") == 10)
        try writer.close()
    }

    @Test func flushWaitsForEverythingSubmittedBefore() throws {
        let store = try HistoryStore(path: dir.file("history.db"))
        let writer = HistoryWriter(store: store, limits: .init(maxRows: 10_000, maxDelay: 3_600))
        writer.submit(contentsOf: (1...10).map { HistoryWrite.trace(record("a", $0)) })
        try writer.flush()
        #expect(try store.traceCount(jobID: "a") == 10)
        writer.submit(.trace(record("a", 11)))
        try writer.flush()
        #expect(try store.traceCount(jobID: "a") == 11)
        try writer.close()
    }

    @Test func aBoundedQueueAppliesBackpressureWithoutLoss() throws {
        let store = try HistoryStore(path: dir.file("history.db"))
        let writer = HistoryWriter(store: store, limits: .init(maxRows: 50, maxDelay: 0.01, capacity: 60))
        let producers = DispatchGroup()
        for job in ["a", "b", "c"] {
            producers.enter()
            Thread.detachNewThread {
                for n in 1...400 { writer.submit(.trace(record(job, n))) }
                producers.leave()
            }
        }
        producers.wait()
        try writer.close()
        for job in ["a", "b", "c"] {
            let stored = try store.trace(jobID: job, seq: 1...1000)
            #expect(stored.map(\.seq) == Array(1...400))
            #expect(stored.map(\.sourceID) == (1...400).map { "test:\($0)" }, "each producer's order is kept")
        }
    }

    @Test func aFailedBatchIsReportedWholeAndFlushThrows() throws {
        let path = dir.file("history.db")
        do { _ = try HistoryStore(path: path) }
        let store = try HistoryStore(path: path, options: .init(maxPageCount: 40))
        let outcomes = Outcomes()
        let writer = HistoryWriter(store: store, limits: .init(maxRows: 5000, maxDelay: 3_600), onOutcome: outcomes.record)
        writer.submit(contentsOf: (1...3000).map { HistoryWrite.trace(record("a", $0, text: String(repeating: "q", count: 300))) })
        #expect(throws: HistoryStoreError.diskFull(path: path)) { try writer.flush() }
        #expect(outcomes.failures.withLock { $0 } == [.diskFull(path: path)])
        #expect(outcomes.batches.withLock { $0 } == [3000])
        #expect(try store.traceCount(jobID: "a") == 0)
        #expect(throws: HistoryStoreError.diskFull(path: path)) { try writer.close() }
    }

    /// A source still winding down when its owner closed the writer (the reconciler or an
    /// ingestor between a cancel and its last submit): its writes are refused, not a crash,
    /// and one waiting for a commit hears that it will not come, so it does not acknowledge.
    @Test func writesAfterCloseAreRefusedAndTheirWaitersTold() throws {
        let store = try HistoryStore(path: dir.file("history.db"))
        let writer = HistoryWriter(store: store, limits: .init(maxRows: 100, maxDelay: 0.01))
        writer.submit(contentsOf: (1...10).map { HistoryWrite.trace(record("a", $0)) })
        try writer.close()
        writer.submit(contentsOf: (11...15).map { HistoryWrite.trace(record("a", $0)) })
        let told = Mutex<[HistoryStoreError?]>([])
        writer.submit(contentsOf: [.trace(record("a", 16))]) { error in told.withLock { $0.append(error) } }
        #expect(told.withLock { $0 } == [.writerClosed(path: store.path)])
        #expect(writer.writesAfterClose == 6)
        #expect(try store.traceCount(jobID: "a") == 10)
        try writer.flush()  // nothing waits forever on a closed writer
    }

    /// A producer still writing into a full queue when the writer closes returns, however
    /// far it got: what it queued before the close is committed in order, the rest refused.
    @Test func aProducerWritingWhileTheWriterClosesReturnsWithAPrefixStored() throws {
        let store = try HistoryStore(path: dir.file("history.db"))
        let writer = HistoryWriter(store: store, limits: .init(maxRows: 10, maxDelay: 3_600, capacity: 10))
        let producer = DispatchGroup()
        producer.enter()
        Thread.detachNewThread {
            writer.submit(contentsOf: (1...1_000).map { HistoryWrite.trace(record("a", $0)) })
            producer.leave()
        }
        try writer.close()
        producer.wait()
        let stored = try store.traceCount(jobID: "a")
        #expect(stored + Int64(writer.writesAfterClose) == 1_000)
        #expect(try store.trace(jobID: "a", seq: 1...1_000).map(\.seq) == (0..<stored).map { $0 + 1 })
    }
}
