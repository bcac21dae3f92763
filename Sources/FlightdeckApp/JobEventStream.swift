import FlightdeckCore
import Foundation
import HTTPServing
import HistoryStore
import Orchestrator
import Synchronization

/// `GET /api/stream/{job}`: one job's trace as Server-Sent Events, from history and then live.
///
/// Each record is an event `record` whose `id:` is its history `seq`, so a client that
/// reconnects with `Last-Event-ID` (or `?after=`) resumes with no gap and no duplicate. The
/// job's status and phase are events of their own (`status`, `phase`; sent first, then on
/// each change), a comment goes out when nothing else did for `heartbeat`, and once the job
/// has finished and its trace stayed quiet for `quietPeriod` a `done` event ends the stream.
///
/// Memory is bounded per client: the live feed's inbox coalesces (records past its limit are
/// read back from the store by `seq`), pages from the store are `pageSize` records, and a
/// client that does not read blocks only its own writes, until the server drops it.
public struct JobEventStream: Sendable {
    public let store: HistoryStore
    public let feed: LiveFeed
    public let jobID: String
    /// The last `seq` the client has: records after it are sent.
    public let after: Int64
    public var heartbeat: Duration
    public var quietPeriod: Duration
    public var pageSize: Int
    public var inboxLimit: Int

    public init(store: HistoryStore, feed: LiveFeed, jobID: String, after: Int64, heartbeat: Duration = .seconds(15),
        quietPeriod: Duration = .seconds(3), pageSize: Int = 500, inboxLimit: Int = 1_000)
    {
        self.store = store
        self.feed = feed
        self.jobID = jobID
        self.after = max(0, after)
        self.heartbeat = heartbeat
        self.quietPeriod = quietPeriod
        self.pageSize = max(1, pageSize)
        self.inboxLimit = max(1, inboxLimit)
    }

    /// Where the stream stands: what the client was last told.
    struct Position {
        var seq: Int64
        var status: JobStatus?
        var phase: Phase??
        var lastRecordAt = ContinuousClock.now
        /// Records came that do not follow on: read the store.
        var gap = false
        var jobReadAt = ContinuousClock.now
        /// The row changed since it was last read.
        var rowPending = false
    }

    /// Writes events until the job is done (then `done`), or the client leaves (a write
    /// throws), or the task is cancelled.
    public func run(_ writer: HTTPBodyWriter) async throws {
        let updates = feed.updates(limit: inboxLimit)  // first: nothing committed from here on is missed
        let (signals, signal) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let pending = Pending(limit: inboxLimit)
        let clock = StreamClock()
        let writer = TimedWriter(writer: writer, clock: clock)
        try await writer.write(ServerSentEvent.retry(milliseconds: 2_000))
        try await withThrowingTaskGroup(of: Void.self) { group in
            // This job's part of each update, kept (bounded) until the stream takes it.
            group.addTask {
                for await update in updates {
                    pending.add(update, jobID: jobID)
                    signal.yield()
                }
            }
            // A tick every second (or quarter of the quiet period, if shorter): the heartbeat
            // when nothing else was written, and a look at what waits on time — a job row
            // whose read was put off, a finished job going quiet.
            group.addTask {
                let tick = min(.seconds(1), quietPeriod / 4)
                while true {
                    try await Task.sleep(for: tick)
                    if ContinuousClock.now - clock.lastWrite >= heartbeat {
                        try await writer.write(ServerSentEvent.comment("heartbeat"))
                    }
                    signal.yield()
                }
            }
            group.addTask {
                var position = Position(seq: after)
                if try await refresh(&position, writer, readTrace: true) { return }
                for await _ in signals {
                    let (records, missed, changed) = pending.take()
                    if !missed, let first = records.first, first.seq <= position.seq + 1 {
                        try await send(records, &position, writer)
                    } else if missed || !records.isEmpty {
                        position.gap = true
                    }
                    // The job's row is read when something other than records changed; with
                    // records (which come often, while its status and phase rarely change) at
                    // most once a second; and while it is finished, with the trace, until done.
                    if changed { position.rowPending = true }
                    let finished = position.status?.isFinished == true
                    let rowDue = position.rowPending
                        && (records.isEmpty || ContinuousClock.now - position.jobReadAt >= .seconds(1))
                    if position.gap || finished || rowDue {
                        if try await refresh(&position, writer, readTrace: position.gap || finished) { return }
                    }
                }
            }
            try await group.next()
            group.cancelAll()
        }
    }

    /// Sends what the store has after `position` (with `readTrace`) and any status or phase
    /// change; sends `done` and returns `true` when the job is finished and has been quiet
    /// for `quietPeriod`.
    private func refresh(_ position: inout Position, _ writer: TimedWriter, readTrace: Bool) async throws -> Bool {
        while true {
            let from = position.seq
            let limit = readTrace ? pageSize : 0
            let (job, page) = try await store.reading { [jobID] store in
                (try store.job(id: jobID), limit > 0 ? try store.trace(jobID: jobID, after: from, limit: limit) : [])
            }
            position.jobReadAt = .now
            position.rowPending = false
            if let job {
                if position.status != job.status {
                    position.status = job.status
                    try await writer.write(ServerSentEvent(event: "status", data: Self.json([
                        "job": .string(job.id), "status": .string(job.status.rawValue),
                    ])).encoded)
                }
                if position.phase == nil || position.phase! != job.phase {
                    position.phase = .some(job.phase)
                    try await writer.write(ServerSentEvent(event: "phase", data: Self.json([
                        "job": .string(job.id), "phase": job.phase.map { .string($0.rawValue) } ?? .null,
                    ])).encoded)
                }
            }
            try await send(page, &position, writer)
            if readTrace { position.gap = false }
            if readTrace, page.count == pageSize { continue }
            // Done once finished and quiet: for `quietPeriod` since the last record sent, or
            // since the job finished (an old run's stream ends as soon as it is sent).
            guard readTrace, job.map(\.status.isFinished) ?? true else { return false }
            let finishedAgo = (job?.finishedAt ?? job?.deletedAt).map { Date().timeIntervalSince($0) } ?? .infinity
            let quiet = Double(quietPeriod.components.seconds) + Double(quietPeriod.components.attoseconds) / 1e18
            guard finishedAgo >= quiet || ContinuousClock.now - position.lastRecordAt >= quietPeriod else { return false }
            try await writer.write(ServerSentEvent(event: "done", data: Self.json([
                "job": .string(jobID), "status": job.map { .string($0.status.rawValue) } ?? .null,
                "lastSeq": .integer(position.seq),
            ])).encoded)
            return true
        }
    }

    private func send(_ records: [TraceRecord], _ position: inout Position, _ writer: TimedWriter) async throws {
        guard !records.isEmpty else { return }
        var bytes: [UInt8] = []
        for record in records where record.seq == position.seq + 1 {
            bytes += try RecordEvents.shared.encoded(record)
            position.seq = record.seq
        }
        if records.contains(where: { $0.seq > position.seq }) { position.gap = true }  // a hole: the store fills it
        guard !bytes.isEmpty else { return }
        position.lastRecordAt = .now
        try await writer.write(bytes)
    }

    static func json(_ members: KeyValuePairs<String, JSONValue>) -> String {
        JSONValue.object(members.map { JSONValue.Member($0.key, $0.value) }).serialized
    }
}

/// This job's records and changes from the live feed, until the stream takes them: at most
/// `limit` records, past which the stream is told it missed some (and reads the store).
private final class Pending: Sendable {
    let limit: Int
    private let state = Mutex<(records: [TraceRecord], missed: Bool, changed: Bool)>(([], false, false))

    init(limit: Int) { self.limit = limit }

    func add(_ update: LiveFeed.Update, jobID: String) {
        let mine = update.records.filter { $0.jobID == jobID }
        let missed = update.missed.contains(jobID)
        let changed = update.jobsChanged.contains(jobID)
        guard !mine.isEmpty || missed || changed else { return }
        state.withLock { state in
            if state.records.count + mine.count > limit {
                state.missed = true
                state.records = []
            } else if !state.missed {
                state.records += mine
            }
            state.missed = state.missed || missed
            state.changed = state.changed || changed
        }
    }

    func take() -> (records: [TraceRecord], missed: Bool, changed: Bool) {
        state.withLock { state in
            defer { state = ([], false, false) }
            return state
        }
    }
}

/// Each record's `record` event as bytes, shared by every stream of the process: when many
/// clients follow one job, a record is JSON-encoded once, not once per client. Measured with
/// `flightdeck-bench sse-fanout` (docs/benchmarks.md): about 10 µs of server CPU per record
/// and client before, most of it `JSONEncoder`, so 1,000 clients of a job writing 200
/// records/s needed more than the two cores there were and fell seconds behind.
///
/// An entry is used only for a record equal to the one it was made from, so streams over
/// different stores, or a record stored anew, never get another's bytes. Bounded: past
/// `capacity` entries all are dropped and the cache fills again from what is sent next.
private final class RecordEvents: Sendable {
    static let shared = RecordEvents(capacity: 4_096)

    private struct Key: Hashable {
        var jobID: String
        var seq: Int64
    }

    let capacity: Int
    private let entries = Mutex<[Key: (record: TraceRecord, bytes: [UInt8])]>([:])

    init(capacity: Int) { self.capacity = capacity }

    func encoded(_ record: TraceRecord) throws -> [UInt8] {
        let key = Key(jobID: record.jobID, seq: record.seq)
        if let entry = entries.withLock({ $0[key] }), entry.record == record { return entry.bytes }
        let bytes = ServerSentEvent(id: String(record.seq), event: "record", data: try JSONLines.encode(record)).encoded
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[key] = (record, bytes)
        }
        return bytes
    }
}

/// When the stream last wrote.
private final class StreamClock: Sendable {
    private let value = Mutex(ContinuousClock.now)

    var lastWrite: ContinuousClock.Instant { value.withLock { $0 } }
    func wrote() { value.withLock { $0 = .now } }
}

/// Writes through to the client and notes when, for the heartbeat.
private struct TimedWriter: Sendable {
    let writer: HTTPBodyWriter
    let clock: StreamClock

    func write(_ bytes: [UInt8]) async throws {
        try await writer.write(bytes)
        clock.wrote()
    }
}
