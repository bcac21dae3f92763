import AgentManifests
import FlightdeckCore
import Foundation
import HistoryStore
import NATSClient
import Synchronization

/// Reads the agents' trace and events from JetStream into the history store: the stream
/// and this cockpit's durable consumer are kept in place, messages are decoded
/// (`TraceDecoder`), written in batches, and acked only once their batch is committed — so
/// a crash at any point loses nothing (unacked messages are redelivered) and duplicates
/// nothing (the store keys records on their stream sequence).
///
/// The consumer acks with `AckPolicy.all`: one ack per committed batch, naming its last
/// message, covers the batch and everything before it — also messages that made no write
/// (heartbeats, subjects that are not an agent's, records passed over on a first start).
/// `AckFloor` keeps that honest. It needs one reader per consumer: processes sharing a
/// history file (and so the durable name) take turns through a lock beside the file; the
/// one waiting sees the other's records through `LiveFeed`.
public final class NATSTraceIngestor: Sendable {
    public struct Options: Sendable {
        public var stream: StreamConfig
        /// This cockpit's durable consumer: its place in the stream survives restarts.
        public var durableName: String
        public var startFrom: TraceStartPoint
        /// Messages asked for per pull.
        public var batch: Int
        /// Uncommitted messages at most, in batches' worth (`batch` × this): reading stops
        /// there until commits catch up.
        public var maxInFlight: Int
        public var ackWait: Duration

        public init(stream: StreamConfig = StreamConfig(), durableName: String, startFrom: TraceStartPoint = .lastPerJob(500),
            batch: Int = 1_000, maxInFlight: Int = 8, ackWait: Duration = .seconds(30))
        {
            self.stream = stream
            self.durableName = durableName
            self.startFrom = startFrom
            self.batch = batch
            self.maxInFlight = maxInFlight
            self.ackWait = ackWait
        }
    }

    /// What the ingester has done, for the status bar and `doctor`.
    public struct Counters: Sendable, Hashable {
        public var messages = 0
        public var skipped = 0
        /// Another process on this host reads NATS into the same history file: this one
        /// waits for its turn.
        public var standingBy = false
        public var lastError: String?
    }

    public let connection: NATSConnection
    public let writer: HistoryWriter
    public let options: Options
    public let decoder: TraceDecoder
    private let counters = Mutex(Counters())

    public init(connection: NATSConnection, writer: HistoryWriter, options: Options, decoder: TraceDecoder = TraceDecoder()) {
        self.connection = connection
        self.writer = writer
        self.options = options
        self.decoder = decoder
    }

    public var progress: Counters { counters.withLock { $0 } }

    /// Consumes until cancelled; a failure (the stream deleted, JetStream away) is retried
    /// with backoff and reported in `progress.lastError`.
    public func run() async {
        guard let turn = await readerTurn() else { return }
        defer { turn.release() }
        var attempt = 0
        while !Task.isCancelled {
            do {
                try await consume { attempt = 0 }
            } catch is CancellationError {
                return
            } catch {
                counters.withLock { $0.lastError = "\(error)" }
            }
            if Task.isCancelled { return }
            attempt += 1
            try? await Task.sleep(for: .milliseconds(min(5_000, 200 * (1 << min(attempt, 5)))))
        }
    }

    /// The lock that makes this the consumer's one reader, once no other process on this
    /// host holds it; `nil` when cancelled first.
    private func readerTurn() async -> FileLock? {
        let path = writer.store.path + ".nats-reader"
        while !Task.isCancelled {
            do {
                if let lock = try FileLock(path: path) {
                    counters.withLock { $0.standingBy = false }
                    return lock
                }
                counters.withLock { $0.standingBy = true }
            } catch {
                counters.withLock { $0.lastError = "\(error)" }
            }
            try? await Task.sleep(for: .milliseconds(250))
        }
        return nil
    }

    private func consume(started: () -> Void) async throws {
        let jetStream = JetStream(connection: connection)
        try await connection.connect(timeout: .seconds(30))
        try await jetStream.ensureStream(options.stream)
        // The command stream too, so that agents started from now on find their queue (an agent
        // that finds no command stream listens on the core subject, and holds nothing).
        try await jetStream.ensureStream(CommandStream.config)
        // What an earlier reader left unacked comes again first: acking past it would ack it unread.
        let placement = try await jetStream.placeConsumer(stream: options.stream.name, consumerConfig,
            restartUnacked: true)
        var skipper = SkipOlder()
        if placement.origin == .created, case .lastPerJob(let count) = options.startFrom {
            skipper = try await SkipOlder(jetStream: jetStream, stream: options.stream.name, keep: count)
        }
        counters.withLock { $0.lastError = nil }
        started()
        let consumer = PullConsumer(jetStream: jetStream, stream: options.stream.name, consumer: options.durableName,
            batch: options.batch)
        let limit = InFlightLimit(options.batch * options.maxInFlight)
        let acks = AckFloor(nextDelivery: placement.nextDelivery)
        var phases = PhaseTracker()
        for try await batch in consumer.batches() {
            // After a refused batch or a lost delivery: start again from the ack floor.
            let ticket = try acks.open(batch)
            var writes: [HistoryWrite] = []
            writes.reserveCapacity(batch.count)
            var skipped = 0
            let now = Date()
            for message in batch {
                if skipper.skips(message) {
                    skipped += 1
                    continue
                }
                writes += decoder.decode(subject: message.subject, payload: message.payload,
                    sourceID: "nats:\(message.streamSequence)", receivedAt: now, phases: &phases)
            }
            counters.withLock {
                $0.messages += batch.count
                $0.skipped += skipped
            }
            let units = batch.count
            await limit.acquire(units)
            await writer.enqueue(contentsOf: writes) { [self] error in
                defer { limit.release(units) }
                if let error { counters.withLock { $0.lastError = "\(error)" } }
                // Not stored: nothing more is acked; JetStream redelivers it after ack_wait,
                // and the next batch read starts the consumer again from its ack floor.
                if let last = acks.settle(ticket, committed: error == nil) { try? consumer.ack(last) }
            }
        }
    }

    private var consumerConfig: ConsumerConfig {
        let policy: ConsumerConfig.DeliverPolicy =
            switch options.startFrom {
            case .new: .new
            case .all, .lastPerJob: .all
            case .since(let date): .since(date)
            }
        return ConsumerConfig(durableName: options.durableName, deliverPolicy: policy, ackPolicy: .all,
            ackWait: options.ackWait, maxAckPending: max(options.batch * (options.maxInFlight + 2), 1_000))
    }

    /// A durable name for a cockpit: stable per machine and history file, so a restarted
    /// cockpit resumes where it stopped. Processes sharing a history file (a cockpit beside
    /// `flightdeck record`) share the consumer and take turns reading it (one reader acks
    /// with `AckPolicy.all`); each one's `LiveFeed` shows what the others stored. Another
    /// history file gets everything again.
    public static func durableName(host: String, historyPath: String) -> String {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in (host + "\u{0}" + historyPath).utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3
        }
        let safeHost = String(host.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "-" }.prefix(32))
        return "flightdeck-\(safeHost)-\(String(hash, radix: 16))"
    }
}

/// For a first start at "the last N per job": how many of each job's older trace messages
/// (those already in the stream when the consumer was made) to pass over.
struct SkipOlder: Sendable {
    private var remaining: [String: Int] = [:]
    private var lastSequence: UInt64 = 0

    init() {}

    init(jetStream: JetStream, stream: String, keep: Int) async throws {
        let info = try await jetStream.streamInfo(stream, subjectsFilter: "logs.agent.>")
        lastSequence = UInt64(info?["state"]?["last_seq"]?.int64Value ?? 0)
        for member in info?["state"]?["subjects"]?.members ?? [] {
            let count = Int(member.value.int64Value ?? 0)
            if count > keep { remaining[member.key] = count - keep }
        }
    }

    mutating func skips(_ message: JetStreamMessage) -> Bool {
        guard message.streamSequence <= lastSequence, let left = remaining[message.subject], left > 0 else { return false }
        remaining[message.subject] = left - 1
        return true
    }
}
