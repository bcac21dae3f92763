import FlightdeckApp
import FlightdeckCore
import Foundation
import HistoryStore
import OTLPIngest
import Synchronization

/// Issue 17: OpenTelemetry spans through `POST /v1/traces` of the real `flightdeck serve
/// --otlp` (a child process), side by side in one run with the history store's own insert of
/// the same records: `requests` protobuf exports of `spans` GenAI spans each (`chat` and
/// `execute_tool`, one job), sent over `connections` kept-alive connections from threads of
/// their own, each answered 200 only once committed. The store side writes, in one
/// transaction per export as the intake does, the writes `SpanMapping` made of the same
/// bodies (mapped before the clock starts); a middle column decodes, maps and writes them in
/// this process, so what HTTP and the process boundary cost shows apart from decoding.
struct OTLPIngestBenchmark {
    let requests: Int
    let spans: Int
    let connections: Int
    let rounds: Int
    let port: Int
    let directory: String

    static let job = "otlpbench"

    func run() throws {
        let bodies = (0..<requests).map { OTLPExportBody(jobID: Self.job, spans: spans, firstSpan: UInt64($0 * spans + 1)).bytes }
        let decoder = OTLPTraceDecoder()
        let mapping = SpanMapping()
        let mapped = try bodies.map { body in
            let decoded = try decoder.decode(body: body, contentType: "application/x-protobuf")
            guard decoded.count == spans else { throw BenchError("a body decoded to \(decoded.count) spans, not \(spans)") }
            let result = mapping.map(decoded, receivedAt: Date())
            guard result.acceptedSpans == spans else { throw BenchError("mapping refused spans: \(result.errorMessage)") }
            return result
        }
        let records = mapped.reduce(0) { $0 + $1.records.count }
        let totalSpans = requests * spans
        let bytes = bodies.reduce(0) { $0 + $1.count }
        print("otlp-ingest: \(requests) exports x \(spans) spans (\(grouped(Double(totalSpans))) spans, half chat, half execute_tool; "
            + "\(grouped(Double(records))) records, \(mapped.reduce(0) { $0 + $1.phaseChanges.count }) phase changes; "
            + "\(format(Double(bytes) / Double(requests) / 1024, 1)) KiB protobuf per export), \(connections) connection(s), \(rounds) rounds")
        var best = (http: Double.infinity, inProcess: Double.infinity, store: Double.infinity)  // seconds
        for round in 1...rounds {
            let store = try storeSeconds(mapped, round: round)
            let inProcess = try inProcessSeconds(bodies, round: round)
            let (http, peak) = try httpSeconds(bodies, records: records, round: round)
            best = (min(best.http, http), min(best.inProcess, inProcess), min(best.store, store))
            func rates(_ seconds: Double) -> String {
                "\(grouped(Double(totalSpans) / seconds)) spans/s (\(grouped(Double(records) / seconds)) records/s)"
            }
            print("  round \(round): POST /v1/traces \(rates(http))   in-process decode+map+write \(rates(inProcess))   "
                + "store insert \(rates(store))   ratio HTTP/store \(format(store / http, 2)); server VmHWM \(format(peak, 1)) MB")
        }
        let ratio = best.store / best.http
        print("otlp-ingest best-of-\(rounds): POST \(grouped(Double(totalSpans) / best.http)) spans/s "
            + "(\(grouped(Double(records) / best.http)) records/s), in-process \(grouped(Double(totalSpans) / best.inProcess)) spans/s, "
            + "store insert \(grouped(Double(totalSpans) / best.store)) spans/s (\(grouped(Double(records) / best.store)) records/s); "
            + "HTTP/store ratio \(format(ratio, 2))")
    }

    private func freshDatabase(_ name: String) throws -> String {
        let path = directory + "/" + name
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        _ = try HistoryStore(path: path)
        return path
    }

    /// Seconds to write the mapped exports, one transaction each.
    private func storeSeconds(_ mapped: [MappedSpans], round: Int) throws -> Double {
        let store = try HistoryStore(path: try freshDatabase("otlp-store-\(round).db"))
        let batches = mapped.map(OTLPIntake.writes)
        let start = now()
        for batch in batches { _ = try store.write(batch) }
        return now() - start
    }

    /// Seconds to decode, map and write the exports here, one after the other.
    private func inProcessSeconds(_ bodies: [[UInt8]], round: Int) throws -> Double {
        let store = try HistoryStore(path: try freshDatabase("otlp-inprocess-\(round).db"))
        let decoder = OTLPTraceDecoder()
        let mapping = SpanMapping()
        let start = now()
        for body in bodies {
            let spans = try decoder.decode(body: body, contentType: "application/x-protobuf")
            _ = try store.write(OTLPIntake.writes(mapping.map(spans, receivedAt: Date())))
        }
        return now() - start
    }

    /// Seconds to POST every export (each answered 200 once committed), and the server's VmHWM.
    private func httpSeconds(_ bodies: [[UInt8]], records: Int, round: Int) throws -> (seconds: Double, peakMB: Double) {
        let path = try freshDatabase("otlp-http-\(round).db")
        let server = try ServeChild(history: path, port: port, arguments: ["--otlp"], directory: directory)
        defer { server.stop() }
        let failures = Mutex<[String]>([])
        let finished = Atomic<Int>(0)
        let connections = max(1, min(connections, bodies.count))
        let start = now()
        for connection in 0..<connections {
            let mine = stride(from: connection, to: bodies.count, by: connections).map { bodies[$0] }
            let sender = Thread { [port] in
                do {
                    let socket = try LoopbackSocket(port: port)
                    for body in mine {
                        try socket.send(Array(("POST /v1/traces HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                            + "Content-Type: application/x-protobuf\r\nContent-Length: \(body.count)\r\n\r\n").utf8) + body)
                        let (status, answer) = try socket.response()
                        guard status == 200 else {
                            throw BenchError("POST /v1/traces answered \(status): \(String(decoding: answer, as: UTF8.self))")
                        }
                    }
                } catch {
                    failures.withLock { $0.append("\(error)") }
                }
                finished.add(1, ordering: .sequentiallyConsistent)
            }
            sender.start()
        }
        while finished.load(ordering: .sequentiallyConsistent) < connections { Thread.sleep(forTimeInterval: 0.001) }
        let seconds = now() - start
        let peak = server.memory().peakMB
        if let failure = failures.withLock({ $0.first }) { throw BenchError(failure) }
        let stored = try HistoryStore(path: path, options: .init(readOnly: true)).traceCount(jobID: Self.job)
        guard stored == Int64(records) else { throw BenchError("the server stored \(stored) records of \(records)") }
        return (seconds, peak)
    }
}
