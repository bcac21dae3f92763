import AgentManifests
import FlightdeckCore
import FlightdeckTestSupport
import Foundation
import HistoryStore
import NATSClient
import Testing
@testable import Orchestrator

/// The NATS half of the trace pipeline against the real nats-server and a real SQLite file:
/// what was published (and acknowledged by the stream) is what is stored — once — across a
/// server restart, a frozen link, and an ingester stopped mid-batch and started again.
@Suite(.timeLimit(.minutes(5)),
    .enabled(if: NATSServerProcess.executable != nil, "nats-server is not installed (apt-get install nats-server)"))
struct NATSTraceIngestorTests {
    let dir = TemporaryDirectory("flightdeck-ingest")

    func connection(port: Int) -> NATSConnection {
        NATSConnection(options: .init(servers: [NATSServerAddress(host: "127.0.0.1", port: port)],
            pingInterval: .milliseconds(300), maxPingsOut: 2, reconnectWait: .milliseconds(50),
            maxReconnectWait: .milliseconds(300)))
    }

    /// Publishes through JetStream (waits for the stream's ack, retrying across outages with a
    /// message id the stream de-duplicates on), so "published" means stored by the stream.
    func publish(_ nats: NATSConnection, job: String, seqs: Range<Int>, phase: String = "TACTICAL") async throws {
        for seq in seqs {
            let body = Array(#"{"seq":\#(seq),"kind":"thought","phase":"\#(phase)","text":"step \#(seq)"}"#.utf8)
            // A retry after a lost ack must not store the record twice: the stream drops a
            // message id it has seen (a plain retry did, on a loaded machine: 201 of 200).
            let headers = NATSHeaders(fields: [("Nats-Msg-Id", "\(job)-\(phase)-\(seq)")])
            while true {
                do {
                    let inbox = try await nats.request("logs.agent.\(job)", payload: body, headers: headers, timeout: .seconds(2))
                    if String(decoding: inbox.payload, as: UTF8.self).contains("\"seq\"") { break }
                } catch {}
                try await Task.sleep(for: .milliseconds(50))
            }
        }
    }

    /// Makes the stream exist before anything is published (as `flightdeck install` does).
    func prepareStream(_ nats: NATSConnection) async throws {
        try await nats.connect(timeout: .seconds(30))
        try await JetStream(connection: nats).ensureStream(StreamConfig())
    }

    /// The agents' own `seq` of every stored record, in stored order.
    func agentSeqs(_ store: HistoryStore, job: String) throws -> [Int64] {
        try store.trace(jobID: job, after: 0, limit: 1_000_000).compactMap(\.agentSeq)
    }

    @Test func everyPublishedRecordIsStoredOnceAcrossARestartAFrozenLinkAndAStoppedIngester() async throws {
        let server = try await NATSServerProcess(jetStream: true)
        let proxy = try FreezingProxy(target: server.port)
        defer { proxy.stop() }
        let publisher = connection(port: server.port)
        try await prepareStream(publisher)
        let store = try HistoryStore(path: dir.file("history.db"))

        func startIngester() -> (Task<Void, Never>, HistoryWriter, NATSConnection, NATSTraceIngestor) {
            let writer = HistoryWriter(store: store, limits: .init(maxRows: 200, maxDelay: 0.02))
            let nats = connection(port: proxy.port)
            let ingestor = NATSTraceIngestor(connection: nats, writer: writer,
                options: .init(durableName: "cockpit-a", startFrom: .all, batch: 100, ackWait: .seconds(2)))
            return (Task { await ingestor.run() }, writer, nats, ingestor)
        }

        var (task, writer, nats, ingestor) = startIngester()
        try await publish(publisher, job: "j1", seqs: 0..<600)
        try await eventually { try store.traceCount(jobID: "j1") >= 300 }

        // Stopped mid-stream without a goodbye: what it committed but had not acked comes again.
        task.cancel()
        await nats.close()
        try await writer.closed()
        (task, writer, nats, ingestor) = startIngester()
        try await publish(publisher, job: "j1", seqs: 600..<900)

        // The server restarts (its JetStream store on disk survives).
        server.kill()
        try await server.start()
        try await publish(publisher, job: "j2", seqs: 0..<300)

        // The link freezes: no error, no close — only missed PONGs tell.
        try await proxy.freeze()
        try await publish(publisher, job: "j2", seqs: 300..<600)

        // (A deadline inside the time limit, so that a miss says what was stored.)
        let deadline = ContinuousClock.now + .seconds(240)
        while try store.traceCount(jobID: "j1") != 900 || store.traceCount(jobID: "j2") != 600, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        let (stored1, stored2) = (try store.traceCount(jobID: "j1"), try store.traceCount(jobID: "j2"))
        try #require(stored1 == 900 && stored2 == 600, "stored j1 \(stored1)/900, j2 \(stored2)/600; ingester: \(ingestor.progress)")
        // Each published record exactly once (redeliveries after the stop land later in the trace).
        #expect(try agentSeqs(store, job: "j1").sorted() == (0..<900).map(Int64.init))
        #expect(try agentSeqs(store, job: "j2").sorted() == (0..<600).map(Int64.init))
        #expect(ingestor.progress.lastError == nil)
        // Settle: redeliveries still in flight must not add anything.
        try await Task.sleep(for: .seconds(3))
        #expect(try store.traceCount(jobID: "j1") == 900)
        #expect(try store.traceCount(jobID: "j2") == 600)
        task.cancel()
        await nats.close()
        try await writer.closed()
        await publisher.close()
    }

    @Test func aFirstStartCanTakeOnlyTheLastRecordsOfEachJob() async throws {
        let server = try await NATSServerProcess(jetStream: true)
        let publisher = connection(port: server.port)
        try await prepareStream(publisher)
        try await publish(publisher, job: "old1", seqs: 0..<50)
        try await publish(publisher, job: "old2", seqs: 0..<5)
        let store = try HistoryStore(path: dir.file("last.db"))
        let writer = HistoryWriter(store: store)
        let nats = connection(port: server.port)
        let ingestor = NATSTraceIngestor(connection: nats, writer: writer,
            options: .init(durableName: "late", startFrom: .lastPerJob(10)))
        let task = Task { await ingestor.run() }
        try await eventually { try store.traceCount(jobID: "old1") == 10 && store.traceCount(jobID: "old2") == 5 }
        try await publish(publisher, job: "old1", seqs: 50..<52)
        try await eventually { try store.traceCount(jobID: "old1") == 12 }
        #expect(try agentSeqs(store, job: "old1") == (40..<52).map(Int64.init))
        task.cancel()
        await nats.close()
        try await writer.closed()
        await publisher.close()
    }

    @Test func liveSubscribersGetCommittedRecordsAndASlowOneIsToldWhatItMissed() async throws {
        let server = try await NATSServerProcess(jetStream: true)
        let publisher = connection(port: server.port)
        try await prepareStream(publisher)
        let store = try HistoryStore(path: dir.file("live.db"))
        let feed = LiveFeed(store: store)
        let writer = HistoryWriter(store: store) { outcome in
            if case .committed(let commit) = outcome { feed.publish(commit) }
        }
        let fast = feed.updates()
        let slow = feed.updates(limit: 10)  // never read until the end
        let nats = connection(port: server.port)
        let ingestor = NATSTraceIngestor(connection: nats, writer: writer, options: .init(durableName: "live", startFrom: .all))
        let task = Task { await ingestor.run() }
        try await publish(publisher, job: "j1", seqs: 0..<200)
        var seen: [Int64] = []
        for await update in fast {
            seen += update.records.map(\.seq)
            if seen.count >= 200 { break }
        }
        #expect(seen == Array(1...200), "in commit order, numbered densely")
        var iterator = slow.makeAsyncIterator()
        let backlog = await iterator.next()
        #expect(backlog?.records.count == 10)
        #expect(backlog?.missed == ["j1"])
        task.cancel()
        await nats.close()
        try await writer.closed()
        await publisher.close()
    }
}
