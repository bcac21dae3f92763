import AgentManifests
import FlightdeckCore
import FlightdeckTestSupport
import Foundation
import HistoryStore
import NATSAuth
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

    func connection(port: Int, as user: NATSCredentials? = nil, inboxPrefix: String = "_INBOX") -> NATSConnection {
        NATSConnection(options: .init(servers: [NATSServerAddress(host: "127.0.0.1", port: port)],
            credentials: user?.proof, inboxPrefix: inboxPrefix,
            pingInterval: .milliseconds(300), maxPingsOut: 2, reconnectWait: .milliseconds(50),
            maxReconnectWait: .milliseconds(300)))
    }

    /// Publishes through JetStream (waits for the stream's ack, retrying across outages with a
    /// message id the stream de-duplicates on), so "published" means stored by the stream.
    func publish(_ nats: NATSConnection, job: String, seqs: Range<Int>, phase: String = "TACTICAL", padding: Int = 0)
        async throws
    {
        let pad = String(repeating: "z", count: padding)
        for seq in seqs {
            let body = #"{"seq":\#(seq),"kind":"thought","phase":"\#(phase)","text":"step \#(seq)\#(pad)"}"#
            try await publish(nats, subject: "logs.agent.\(job)", body: body, id: "\(job)-\(phase)-\(seq)")
        }
    }

    func publish(_ nats: NATSConnection, subject: String, body: String, id: String) async throws {
        // A retry after a lost ack must not store the record twice: the stream drops a
        // message id it has seen (a plain retry did, on a loaded machine: 201 of 200).
        let headers = NATSHeaders(fields: [("Nats-Msg-Id", id)])
        while true {
            do {
                let inbox = try await nats.request(subject, payload: Array(body.utf8), headers: headers, timeout: .seconds(2))
                if String(decoding: inbox.payload, as: UTF8.self).contains("\"seq\"") { break }
            } catch {}
            try await Task.sleep(for: .milliseconds(50))
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

    /// Also under authorization: each job publishes as its own user, the ingester reads as the
    /// operator's tools do.
    @Test(arguments: [false, true])
    func everyPublishedRecordIsStoredOnceAcrossARestartAFrozenLinkAndAStoppedIngester(authorized: Bool) async throws {
        let keys = BusKeys.generate()
        let server = try await authorized ? NATSServerProcess.trusting(keys) : NATSServerProcess(jetStream: true)
        let proxy = try FreezingProxy(target: server.port)
        defer { proxy.stop() }
        let tools = authorized ? keys.user(name: "tools", permissions: .operatorTools, expires: Date().addingTimeInterval(3600)) : nil
        func publisher(_ job: String) -> NATSConnection {
            authorized ? connection(port: server.port, as: keys.jobUser(job, expires: Date().addingTimeInterval(3600)),
                inboxPrefix: BusNames.inboxPrefix(forJob: job)) : connection(port: server.port)
        }
        let operatorLink = connection(port: server.port, as: tools)
        try await prepareStream(operatorLink)
        let (publisher1, publisher2) = (publisher("j1"), publisher("j2"))
        try await publisher1.connect(timeout: .seconds(30))
        try await publisher2.connect(timeout: .seconds(30))
        let store = try HistoryStore(path: dir.file("history.db"))

        func startIngester() -> (Task<Void, Never>, HistoryWriter, NATSConnection, NATSTraceIngestor) {
            let writer = HistoryWriter(store: store, limits: .init(maxRows: 200, maxDelay: 0.02))
            let nats = connection(port: proxy.port, as: tools)
            let ingestor = NATSTraceIngestor(connection: nats, writer: writer,
                options: .init(durableName: "cockpit-a", startFrom: .all, batch: 100, ackWait: .seconds(2)))
            return (Task { await ingestor.run() }, writer, nats, ingestor)
        }

        var (task, writer, nats, ingestor) = startIngester()
        try await publish(publisher1, job: "j1", seqs: 0..<600)
        try await eventually { try store.traceCount(jobID: "j1") >= 300 }

        // Stopped mid-stream without a goodbye: what it committed but had not acked comes again.
        task.cancel()
        await nats.close()
        try await writer.closed()
        (task, writer, nats, ingestor) = startIngester()
        try await publish(publisher1, job: "j1", seqs: 600..<900)

        // The server restarts (its JetStream store on disk survives).
        server.kill()
        try await server.start()
        try await publish(publisher2, job: "j2", seqs: 0..<300)

        // The link freezes: no error, no close — only missed PONGs tell.
        try await proxy.freeze()
        try await publish(publisher2, job: "j2", seqs: 300..<600)

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
        await publisher1.close()
        await publisher2.close()
        await operatorLink.close()
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

    // MARK: - One ack per committed batch (AckPolicy.all)

    /// The consumer's ack floor, unacked count and ack policy, as the server reports them.
    func consumerState(_ nats: NATSConnection, _ name: String) async throws -> (floor: Int64, pending: Int64, policy: String?) {
        let info = try #require(try await JetStream(connection: nats).consumerInfo(stream: "FLIGHTDECK_TRACE", name: name))
        return (info["ack_floor"]?["stream_seq"]?.int64Value ?? -1, info["num_ack_pending"]?.int64Value ?? -1,
            info["config"]?["ack_policy"]?.stringValue)
    }

    /// Waits until `job` has `count` records (or a deadline inside the time limit, so that a
    /// miss says what was stored), then checks they are exactly the agent seqs `expected`.
    func expectStored(_ store: HistoryStore, job: String, _ expected: Range<Int>, _ ingestor: NATSTraceIngestor) async throws {
        let deadline = ContinuousClock.now + .seconds(120)
        while try store.traceCount(jobID: job) < expected.count, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        let stored = try agentSeqs(store, job: job).sorted()
        #expect(stored == expected.map(Int64.init),
            "stored \(stored.count) of \(expected.count) (\(stored.first ?? -1)...\(stored.last ?? -1)); ingester: \(ingestor.progress)")
    }

    @Test func acksOncePerCommittedBatchOnlyWhatIsStoredAndCoversMessagesThatWriteNothing() async throws {
        let server = try await NATSServerProcess(jetStream: true)
        let publisher = connection(port: server.port)
        try await prepareStream(publisher)
        // The backlog first, so that pulls bring it in batches; the last messages write nothing.
        try await publish(publisher, job: "j1", seqs: 0..<1_000)
        try await publish(publisher, subject: "events.agent.j1", body: #"{"type":"heartbeat"}"#, id: "hb")
        try await publish(publisher, subject: "logs.agent.-not-a-job", body: #"{"seq":1,"text":"x"}"#, id: "bad")

        let store = try HistoryStore(path: dir.file("acks.db"))
        // Every ack as the server gets it, checked against what is stored at that moment.
        let watcher = connection(port: server.port)
        try await watcher.connect(timeout: .seconds(30))
        let ackSubscription = try watcher.subscribe("$JS.ACK.FLIGHTDECK_TRACE.acks.>")
        try await watcher.flush()
        let audit = Task { () -> (acks: Int, early: [String]) in
            var (acks, early) = (0, [String]())
            for await ack in ackSubscription {
                acks += 1
                let sequence = Int(ack.subject.split(separator: ".")[5]) ?? 0
                let stored = (try? store.traceCount(jobID: "j1")) ?? 0
                if stored < min(sequence, 1_000) { early.append("stream seq \(sequence) acked with \(stored) stored") }
                if sequence == 1_002 { break }
            }
            return (acks, early)
        }

        let writer = HistoryWriter(store: store)
        let nats = connection(port: server.port)
        let ingestor = NATSTraceIngestor(connection: nats, writer: writer,
            options: .init(durableName: "acks", startFrom: .all, batch: 500))
        let task = Task { await ingestor.run() }
        try await expectStored(store, job: "j1", 0..<1_000, ingestor)
        let (acks, early) = await audit.value
        #expect(early.isEmpty, "acked before stored: \(early.prefix(3))")
        #expect(acks * 10 <= 1_002, "\(acks) acks for 1,002 messages: one per batch, not per message")
        let state = try await consumerState(publisher, "acks")
        #expect(state.policy == "all")
        #expect(state.floor == 1_002 && state.pending == 0, "the heartbeat and the bad subject are acked too: \(state)")
        task.cancel()
        await nats.close()
        await watcher.close()
        try await writer.closed()
        await publisher.close()
    }

    @Test func whatAnEarlierReaderLeftUnackedIsStoredBeforeAnyAckPassesIt() async throws {
        let server = try await NATSServerProcess(jetStream: true)
        let publisher = connection(port: server.port)
        try await prepareStream(publisher)
        try await publish(publisher, job: "j1", seqs: 0..<300)
        // A reader that crashed: it stored and acked the first 50, and had more in flight,
        // never acked. Its ack_wait is long: only the restart brings them back in time.
        let jetStream = JetStream(connection: publisher)
        try await jetStream.ensureConsumer(stream: "FLIGHTDECK_TRACE",
            ConsumerConfig(durableName: "crashed", ackPolicy: .all, ackWait: .seconds(600)))
        let crashed = PullConsumer(jetStream: jetStream, stream: "FLIGHTDECK_TRACE", consumer: "crashed", batch: 60)
        var inFlight: [JetStreamMessage] = []
        for try await batch in crashed.batches() {
            inFlight += batch
            if inFlight.count >= 120 { break }
        }
        try crashed.ack(inFlight[49])
        try await eventually { try await consumerState(publisher, "crashed").floor == 50 }

        let store = try HistoryStore(path: dir.file("crashed.db"))
        let writer = HistoryWriter(store: store, limits: .init(maxRows: 40))
        let nats = connection(port: server.port)
        let ingestor = NATSTraceIngestor(connection: nats, writer: writer,
            options: .init(durableName: "crashed", startFrom: .all, batch: 40, ackWait: .seconds(600)))
        let task = Task { await ingestor.run() }
        // What was acked is not read again; everything after it is stored, once.
        try await expectStored(store, job: "j1", 50..<300, ingestor)
        try await eventually { try await consumerState(publisher, "crashed").pending == 0 }
        #expect(try await consumerState(publisher, "crashed").floor == 300)
        task.cancel()
        await nats.close()
        try await writer.closed()
        await publisher.close()
    }

    @Test func anInstallFromBeforeAckAllKeepsItsPlace() async throws {
        let server = try await NATSServerProcess(jetStream: true)
        let publisher = connection(port: server.port)
        try await prepareStream(publisher)
        try await publish(publisher, job: "j1", seqs: 0..<200)
        // The durable as an older Flightdeck left it: explicit acks for the first 100 (it
        // stored those), some after them read and not acked.
        let jetStream = JetStream(connection: publisher)
        try await jetStream.ensureConsumer(stream: "FLIGHTDECK_TRACE",
            ConsumerConfig(durableName: "older", ackWait: .seconds(600)))
        let older = PullConsumer(jetStream: jetStream, stream: "FLIGHTDECK_TRACE", consumer: "older", batch: 70)
        var read: [JetStreamMessage] = []
        for try await batch in older.batches() {
            read += batch
            if read.count >= 140 { break }
        }
        try older.ack(read.prefix(100))
        try await eventually { try await consumerState(publisher, "older").floor == 100 }

        let store = try HistoryStore(path: dir.file("older.db"))
        let writer = HistoryWriter(store: store)
        let nats = connection(port: server.port)
        let ingestor = NATSTraceIngestor(connection: nats, writer: writer,
            options: .init(durableName: "older", startFrom: .all, ackWait: .seconds(600)))
        let task = Task { await ingestor.run() }
        try await expectStored(store, job: "j1", 100..<200, ingestor)
        try await eventually { try await consumerState(publisher, "older").pending == 0 }
        let state = try await consumerState(publisher, "older")
        #expect(state.policy == "all" && state.floor == 200)
        // It resumes there too.
        try await publish(publisher, job: "j1", seqs: 200..<210)
        try await expectStored(store, job: "j1", 100..<210, ingestor)
        task.cancel()
        await nats.close()
        try await writer.closed()
        await publisher.close()
    }

    @Test func aRefusedBatchIsNotAckedAndIsStoredOnceTheStoreTakesItAgain() async throws {
        let server = try await NATSServerProcess(jetStream: true)
        let publisher = connection(port: server.port)
        try await prepareStream(publisher)
        try await publish(publisher, job: "j1", seqs: 0..<150, padding: 2_000)
        let path = dir.file("full.db")

        // A store that fills up after a few dozen records.
        let full = try HistoryStore(path: path, options: .init(maxPageCount: 40))
        let fullWriter = HistoryWriter(store: full, limits: .init(maxRows: 10))
        let fullNATS = connection(port: server.port)
        let refused = NATSTraceIngestor(connection: fullNATS, writer: fullWriter,
            options: .init(durableName: "full", startFrom: .all, batch: 10, ackWait: .seconds(600)))
        let fullTask = Task { await refused.run() }
        try await eventually { refused.progress.lastError != nil }
        let floor = try await consumerState(publisher, "full").floor
        let stored = try full.traceCount(jobID: "j1")
        #expect(stored < 150)
        #expect(floor <= Int64(stored), "nothing acked that is not stored")
        fullTask.cancel()
        await fullNATS.close()
        try? await fullWriter.closed()

        // The store takes writes again (room was made): everything comes, once.
        let store = try HistoryStore(path: path)
        let writer = HistoryWriter(store: store)
        let nats = connection(port: server.port)
        let ingestor = NATSTraceIngestor(connection: nats, writer: writer,
            options: .init(durableName: "full", startFrom: .all, ackWait: .seconds(600)))
        let task = Task { await ingestor.run() }
        try await expectStored(store, job: "j1", 0..<150, ingestor)
        task.cancel()
        await nats.close()
        try await writer.closed()
        await publisher.close()
    }

    @Test func processesSharingAHistoryFileTakeTurnsReadingIt() async throws {
        let server = try await NATSServerProcess(jetStream: true)
        let publisher = connection(port: server.port)
        try await prepareStream(publisher)
        let path = dir.file("shared.db")
        func start() throws -> (Task<Void, Never>, HistoryWriter, NATSConnection, NATSTraceIngestor, HistoryStore) {
            let store = try HistoryStore(path: path)
            let writer = HistoryWriter(store: store)
            let nats = connection(port: server.port)
            let ingestor = NATSTraceIngestor(connection: nats, writer: writer,
                options: .init(durableName: "shared", startFrom: .all))
            return (Task { await ingestor.run() }, writer, nats, ingestor, store)
        }
        let first = try start()
        try await publish(publisher, job: "j1", seqs: 0..<100)
        try await expectStored(first.4, job: "j1", 0..<100, first.3)
        let second = try start()
        try await eventually { second.3.progress.standingBy }
        try await publish(publisher, job: "j1", seqs: 100..<150)
        try await expectStored(first.4, job: "j1", 0..<150, first.3)
        #expect(second.3.progress.messages == 0, "one reader at a time")

        // The first stops: the second takes over where it left off.
        first.0.cancel()
        await first.2.close()
        try await first.1.closed()
        try await eventually { !second.3.progress.standingBy }
        try await publish(publisher, job: "j1", seqs: 150..<200)
        try await expectStored(second.4, job: "j1", 0..<200, second.3)
        #expect(second.3.progress.messages >= 50)
        second.0.cancel()
        await second.2.close()
        try await second.1.closed()
        await publisher.close()
    }
}
