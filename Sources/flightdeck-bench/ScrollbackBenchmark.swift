import FlightdeckCore
import Foundation
import HistoryStore

/// A 200-line page at a random offset of a very long trace, as scrollback asks for it.
struct ScrollbackBenchmark {
    let traceLines: Int
    let directory: String
    let page: Int64 = 200

    func run() throws {
        let path = directory + "/scrollback-\(traceLines).db"
        try build(path)
        let store = try HistoryStore(path: path, options: .init(readOnly: true))
        let total = try store.traceCount(jobID: "bench")
        guard total == Int64(traceLines) else { throw BenchError("\(path) holds \(total) records, expected \(traceLines)") }
        var random = SystemRandomNumberGenerator()
        var latencies: [Double] = []
        for iteration in 0..<2_100 {
            let offset = Int64.random(in: 1...(total - page + 1), using: &random)
            let start = now()
            let records = try store.trace(jobID: "bench", seq: offset...(offset + page - 1))
            let elapsed = now() - start
            guard records.count == Int(page) else { throw BenchError("page at \(offset) had \(records.count) records") }
            if iteration >= 100 { latencies.append(elapsed * 1000) }  // the first 100 warm the cache
        }
        latencies.sort()
        print("scrollback: 200-line page at a random offset of a \(traceLines)-line trace: p50 \(format(percentile(latencies, 0.5), 3)) ms, p99 \(format(percentile(latencies, 0.99), 3)) ms, max \(format(latencies.last ?? 0, 3)) ms (goal p99 <= 2 ms; 2000 pages)")
    }

    /// Builds the long trace once (raw inserts, as fast as SQLite goes) and reuses it.
    private func build(_ path: String) throws {
        if FileManager.default.fileExists(atPath: path),
           let store = try? HistoryStore(path: path, options: .init(readOnly: true)),
           (try? store.traceCount(jobID: "bench")) == Int64(traceLines) {
            return
        }
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        _ = try HistoryStore(path: path)
        let parser = TraceLineParser()
        let received = Date()
        let inserter = try RawInserter(path: path)
        let start = now()
        let chunk = 100_000
        var done = 0
        while done < traceLines {
            let count = min(chunk, traceLines - done)
            let records = corpus(count).enumerated().map { index, line in
                parser.parse(line, jobID: "bench", sourceID: "nats:\(done + index + 1)", receivedAt: received)
            }
            try inserter.insert(records, firstSeq: Int64(done + 1), batch: 50_000)
            done += count
        }
        try inserter.exec("PRAGMA wal_checkpoint(TRUNCATE)")
        print("scrollback: built a \(traceLines)-line trace in \(format(now() - start, 1)) s at \(path)")
    }
}
