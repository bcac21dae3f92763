import FlightdeckCore
import FlightdeckTestSupport
import Foundation
import Testing
@testable import HistoryStore

/// The cockpit's search past its window: the next or previous matching record of one job,
/// from a real SQLite file.
@Suite struct TraceSearchTests {
    let dir = TemporaryDirectory()

    func store() throws -> HistoryStore {
        let store = try HistoryStore(path: dir.file("history.db"))
        var writes: [HistoryWrite] = [.job(job("a")), .job(job("b"))]
        for n in 1...1_000 {
            let text = n % 100 == 7 ? "Found the NEEDLE at step \(n)" : n == 500 ? "100% done_now" : "record \(n)"
            writes.append(.trace(record("a", n, kind: n == 333 ? .action : .thought, text: text)))
        }
        writes.append(.trace(record("b", 1, text: "needle in another job")))
        try store.write(writes)
        return store
    }

    @Test func findsTheNextAndThePreviousMatchOfOneJob() throws {
        let store = try store()
        #expect(try store.traceSearch(jobID: "a", query: "needle", from: 0, forward: true) == 7)
        #expect(try store.traceSearch(jobID: "a", query: "needle", from: 7, forward: true) == 107)
        #expect(try store.traceSearch(jobID: "a", query: "Needle", from: 500, forward: false) == 407)
        #expect(try store.traceSearch(jobID: "a", query: "needle", from: 1_001, forward: false) == 907)
        #expect(try store.traceSearch(jobID: "a", query: "needle", from: 907, forward: true) == nil)
        #expect(try store.traceSearch(jobID: "b", query: "needle", from: 0, forward: true) == 1)
        #expect(try store.traceSearch(jobID: "nobody", query: "needle", from: 0, forward: true) == nil)
    }

    @Test func toolAndArgumentsMatchAndWildcardsAreLiteral() throws {
        let store = try store()
        #expect(try store.traceSearch(jobID: "a", query: "execute", from: 0, forward: true) == 333)
        #expect(try store.traceSearch(jobID: "a", query: "\"command\":\"ls", from: 0, forward: true) == 333)
        #expect(try store.traceSearch(jobID: "a", query: "100%", from: 0, forward: true) == 500)
        #expect(try store.traceSearch(jobID: "a", query: "done_now", from: 0, forward: true) == 500)
        #expect(try store.traceSearch(jobID: "a", query: "0%", from: 500, forward: true) == nil)
        #expect(try store.traceSearch(jobID: "a", query: "e_d", from: 0, forward: true) == nil, "_ is no wildcard")
        #expect(try store.traceSearch(jobID: "a", query: "", from: 0, forward: true) == nil)
    }
}
