import FlightdeckCore
import Foundation
import HistoryStore

/// Parse + sanitise + redact + store of realistic trace lines, side by side with a raw
/// batched SQLite insert of the same rows into the same schema.
struct IngestBenchmark {
    let lines: Int
    let directory: String
    let batch = 2_000

    func run() throws {
        let input = corpus(lines)
        let parser = TraceLineParser()
        let received = Date()
        let records = input.enumerated().map { index, line in
            parser.parse(line, jobID: "bench", sourceID: "nats:\(index + 1)", receivedAt: received)
        }
        var flightdeckRates: [Double] = []
        var rawRates: [Double] = []
        for round in 1...2 {
            let raw = try rawRate(records, round: round)
            let flightdeck = try flightdeckRate(input, round: round)
            rawRates.append(raw)
            flightdeckRates.append(flightdeck)
            print("ingest round \(round): flightdeck \(format(flightdeck)) lines/s   raw insert \(format(raw)) rows/s   ratio \(format(flightdeck / raw, 2))")
        }
        let best = flightdeckRates.max()! / rawRates.max()!
        print("ingest best-of-2: flightdeck \(format(flightdeckRates.max()!)) lines/s, raw \(format(rawRates.max()!)) rows/s, ratio \(format(best, 2)) (goal >= 0.60); peak RSS \(format(peakMemoryMB())) MB incl. the \(lines)-line corpus")
    }

    private func freshDatabase(_ name: String) throws -> String {
        let path = directory + "/" + name
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        _ = try HistoryStore(path: path)  // schema and pragmas, then closed
        return path
    }

    private func flightdeckRate(_ input: [[UInt8]], round: Int) throws -> Double {
        let path = try freshDatabase("ingest-flightdeck-\(round).db")
        let store = try HistoryStore(path: path)
        let writer = HistoryWriter(store: store, limits: .init(maxRows: batch, maxDelay: 0.05, capacity: batch * 8))
        let parser = TraceLineParser()
        let start = now()
        var chunk: [HistoryWrite] = []
        chunk.reserveCapacity(256)
        for (index, line) in input.enumerated() {
            let record = parser.parse(line, jobID: "bench", sourceID: "nats:\(index + 1)", receivedAt: Date())
            chunk.append(.trace(record))
            if chunk.count == 256 {
                writer.submit(contentsOf: chunk)
                chunk.removeAll(keepingCapacity: true)
            }
        }
        writer.submit(contentsOf: chunk)
        try writer.close()
        let elapsed = now() - start
        let stored = try store.traceCount(jobID: "bench")
        guard stored == Int64(input.count) else { throw BenchError("stored \(stored) of \(input.count)") }
        return Double(input.count) / elapsed
    }

    private func rawRate(_ records: [TraceRecord], round: Int) throws -> Double {
        let path = try freshDatabase("ingest-raw-\(round).db")
        let inserter = try RawInserter(path: path)
        let start = now()
        try inserter.insert(records, batch: batch)
        return Double(records.count) / (now() - start)
    }
}
