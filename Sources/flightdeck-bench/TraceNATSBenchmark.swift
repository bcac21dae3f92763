import FlightdeckCore
import FlightdeckTestSupport
import Foundation
import HistoryStore
import NATSClient
import Orchestrator

/// The trace pipeline end to end from NATS: `records` trace records published to the real
/// nats-server by a separate process, then read from its JetStream stream by two consumers,
/// each a child process of its own, side by side in one run:
///
/// - the trivial subscriber: a durable pull consumer that only counts and acks — the rate
///   nats-server delivers at, the ceiling;
/// - Flightdeck's ingester: decode, redact, sanitise, write to SQLite in batches, ack after
///   each commit — records/s committed, and its peak memory.
///
/// Both consumers ack alike: `AckPolicy.all`, one ack per batch read (the trivial one acks
/// each batch as it arrives, the ingester once it is committed).
///
/// Each round uses fresh durable consumers over the same stored stream; medians of `rounds`.
struct TraceNATSBenchmark {
    let records: Int
    let rounds: Int
    let directory: String

    func run() async throws {
        guard NATSServerProcess.executable != nil else { throw BenchError("nats-server is not installed") }
        let root = directory + "/trace-nats"
        try? FileManager.default.removeItem(atPath: root)
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let server = try await NATSServerProcess(jetStream: true)
        defer { server.kill() }

        // The stream first (as `flightdeck install` and every cockpit make sure), then the records.
        let nats = NATSConnection(options: .init(servers: [NATSServerAddress(url: server.url)!]))
        try await nats.connect(timeout: .seconds(30))
        let jetStream = JetStream(connection: nats)
        try await jetStream.ensureStream(StreamConfig())
        let published = try child(["trace-publish", "--url", server.url, "--records", String(records)])
        while Int(try await jetStream.streamInfo("FLIGHTDECK_TRACE")?["state"]?["messages"]?.int64Value ?? 0) < records {
            try await Task.sleep(for: .milliseconds(50))
        }
        print("trace-nats: a separate process published \(grouped(Double(records))) trace records "
            + "(~150 bytes, 8 jobs) in \(format(published.seconds, 2)) s: \(grouped(Double(records) / published.seconds)) records/s")

        var base: [Run] = []
        var ingest: [Run] = []
        for round in 1...rounds {
            let trivial = try child(["trace-consume", "--url", server.url, "--records", String(records),
                "--mode", "count", "--durable", "count-\(round)"])
            base.append(trivial)
            print("round \(round): trivial subscriber  \(line(trivial))")
            let stored = try child(["trace-consume", "--url", server.url, "--records", String(records),
                "--mode", "ingest", "--durable", "ingest-\(round)", "--db", root + "/history-\(round).db"])
            ingest.append(stored)
            print("round \(round): flightdeck ingest   \(line(stored))")
        }
        let baseRate = median(base.map(\.rate))
        let ingestRate = median(ingest.map(\.rate))
        print("")
        print("| consumer | records/s (median of \(rounds)) | peak memory MB | vs nats-server delivery |")
        print("|---|---|---|---|")
        print("| trivial subscriber (count, one ack per batch) | \(grouped(baseRate)) | \(format(median(base.map(\.memory)), 0)) | 1.00 |")
        print("| Flightdeck ingest (decode, redact, SQLite, one ack per committed batch) | \(grouped(ingestRate)) | "
            + "\(format(median(ingest.map(\.memory)), 0)) | \(format(ingestRate / baseRate, 2)) |")
        await nats.close()
    }

    struct Run {
        var seconds: Double
        var records: Int
        var memory: Double
        var rate: Double { Double(records) / seconds }
    }

    private func line(_ run: Run) -> String {
        "\(grouped(run.rate)) records/s (\(grouped(Double(run.records))) in \(format(run.seconds, 2)) s, peak \(format(run.memory, 0)) MB)"
    }

    private func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted.isEmpty ? 0 : sorted[sorted.count / 2]
    }

    /// Runs this benchmark binary as a child; its last stdout line is `seconds records memoryMB`.
    private func child(_ arguments: [String]) throws -> Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        process.arguments = arguments
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = (try? out.fileHandleForReading.readToEnd()) ?? Data()
        process.waitUntilExit()
        let words = String(decoding: data, as: UTF8.self).split(separator: "\n").last?.split(separator: " ") ?? []
        guard process.terminationStatus == 0, words.count == 3, let seconds = Double(words[0]), let count = Int(words[1]),
            let memory = Double(words[2])
        else { throw BenchError("child \(arguments.first ?? "") failed: \(String(decoding: data, as: UTF8.self))") }
        return Run(seconds: seconds, records: count, memory: memory)
    }
}

/// The publisher process: realistic trace lines over 8 jobs, core NATS publishes (the stream
/// captures them), flushed every 10,000.
struct TracePublisher {
    let url: String
    let records: Int

    func run() async throws {
        let nats = NATSConnection(options: .init(servers: [NATSServerAddress(url: url)!], pendingLimit: 1 << 20))
        try await nats.connect(timeout: .seconds(30))
        let lines = corpus(min(records, 100_000))
        let start = now()
        for index in 0..<records {
            try nats.publish("logs.agent.bench\(index % 8)", payload: lines[index % lines.count])
            if index % 10_000 == 9_999 { try await nats.flush(timeout: .seconds(60)) }
        }
        try await nats.flush(timeout: .seconds(60))
        let seconds = now() - start
        await nats.close()
        print("\(seconds) \(records) \(peakMemoryMB())")
    }
}

/// A consumer process: counts and acks each batch with one ack (`count`), or runs Flightdeck's ingester into a fresh
/// history file (`ingest`), until `records` are done.
struct TraceConsumer {
    let url: String
    let records: Int
    let mode: String
    let durable: String
    let database: String

    func run() async throws {
        let nats = NATSConnection(options: .init(servers: [NATSServerAddress(url: url)!]))
        try await nats.connect(timeout: .seconds(30))
        let jetStream = JetStream(connection: nats)
        // Flightdeck's consumer config, for both: the ingester keeps it as it finds it.
        try await jetStream.ensureConsumer(stream: "FLIGHTDECK_TRACE",
            ConsumerConfig(durableName: durable, deliverPolicy: .all, ackPolicy: .all, maxAckPending: 20_000))
        let start = now()
        if mode == "count" {
            let consumer = PullConsumer(jetStream: jetStream, stream: "FLIGHTDECK_TRACE", consumer: durable)
            var seen = 0
            for try await batch in consumer.batches() {
                seen += batch.count
                try consumer.ack(batch[batch.count - 1])
                if seen >= records { break }
            }
        } else {
            let store = try HistoryStore(path: database)
            let done = DoneCounter(target: records)
            let writer = HistoryWriter(store: store) { outcome in
                if case .committed(let commit) = outcome { done.add(commit.records.count + commit.duplicates) }
            }
            let ingestor = NATSTraceIngestor(connection: nats, writer: writer,
                options: .init(durableName: durable, startFrom: .all))
            let task = Task { await ingestor.run() }
            await done.wait()
            task.cancel()
            try await writer.closed()
        }
        let seconds = now() - start
        await nats.close()
        print("\(seconds) \(records) \(peakMemoryMB())")
    }
}

/// Counts committed writes and wakes a waiter at the target.
final class DoneCounter: @unchecked Sendable {
    private let condition = NSCondition()
    private var count = 0
    let target: Int

    init(target: Int) { self.target = target }

    func add(_ n: Int) {
        condition.lock()
        count += n
        condition.broadcast()
        condition.unlock()
    }

    func wait() async {
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            Thread {
                self.condition.lock()
                while self.count < self.target { self.condition.wait() }
                self.condition.unlock()
                done.resume()
            }.start()
        }
    }
}
