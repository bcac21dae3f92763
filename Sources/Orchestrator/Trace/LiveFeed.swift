import FlightdeckCore
import Foundation
import HistoryStore
import Synchronization

/// Hands what each history commit changed to live subscribers (the cockpit, `logs -f`).
///
/// Publishing never waits: each subscriber has a bounded inbox that coalesces — new records
/// are appended up to `limit`, changed jobs are a set — and a subscriber that falls behind
/// further loses records, not memory: it is told which jobs it missed records of and reads
/// them from the store, which is the source of truth.
///
/// With a store, each job's records reach subscribers gap-free, in `seq` order, once — also
/// when other processes share the history file (a `flightdeck record` unit beside the
/// cockpit; two cockpits splitting one durable consumer; both following the same pod logs, so
/// that our write of a record finds it already stored). A gap in our own commit is filled
/// from the store; `followOtherWriters` finds what only others committed.
public final class LiveFeed: Sendable {
    /// What happened since a subscriber last looked.
    public struct Update: Sendable, Hashable {
        /// New trace records in commit order, each with its `seq`.
        public var records: [TraceRecord] = []
        /// Jobs whose row, phases, markers or workspace changed (or got records).
        public var jobsChanged: Set<String> = []
        /// Jobs with records that did not fit in the inbox: read them from the store.
        public var missed: Set<String> = []

        public var isEmpty: Bool { records.isEmpty && jobsChanged.isEmpty && missed.isEmpty }
    }

    fileprivate final class Inbox: Sendable {
        let limit: Int
        let pending = Mutex(Update())
        let wake: AsyncStream<Void>.Continuation

        init(limit: Int, wake: AsyncStream<Void>.Continuation) {
            self.limit = limit
            self.wake = wake
        }

        func add(_ delta: Update) {
            pending.withLock { update in
                update.jobsChanged.formUnion(delta.jobsChanged)
                update.missed.formUnion(delta.missed)
                let room = max(0, limit - update.records.count)
                if delta.records.count <= room {
                    update.records += delta.records
                } else {
                    update.records += delta.records.prefix(room)
                    for record in delta.records.dropFirst(room) { update.missed.insert(record.jobID) }
                }
            }
            wake.yield()
        }
    }

    private let inboxes = Mutex<[Int: Inbox]>([:])
    private let nextID = Mutex(0)
    /// Where gaps are filled from; `nil`: commits are passed on as they are.
    public let store: HistoryStore?
    /// The last `seq` handed out per job. The lock is held across the store read that fills
    /// a gap and the hand-over, so the writer's callback and the poll never hand out a record
    /// twice or out of order.
    private let handedOut = Mutex<[String: Int64]>([:])
    /// Jobs the history had when the feed started, finished and quiet then: where their
    /// traces stood was not read (a long history has thousands), so records of one of them
    /// that come later are reported as missed, to be read from the store.
    private let quietAtStart: Set<String>
    /// Records read from the store to fill one gap at most; a larger gap is reported as missed.
    public let gapLimit: Int64
    /// Jobs finished longer ago than this are not expected to grow.
    static let activeWindow: TimeInterval = 600

    public init(store: HistoryStore? = nil, gapLimit: Int64 = 20_000) {
        self.store = store
        self.gapLimit = max(0, gapLimit)
        // Where every job that may grow stands now: what follows is news, what came before
        // is history. Found by index, whatever the history's length.
        let heads = (try? store?.traceHeads(activeSince: Date().addingTimeInterval(-Self.activeWindow))) ?? [:]
        quietAtStart = ((try? store?.jobIDs()) ?? []).subtracting(heads.keys)
        handedOut.withLock { $0 = heads }
    }

    /// The last `seq` handed out of `jobID`'s trace: 0 for a job new since the feed started,
    /// nil for one that was quiet then (not known).
    private func last(_ jobID: String, in handedOut: [String: Int64]) -> Int64? {
        handedOut[jobID] ?? (quietAtStart.contains(jobID) ? nil : 0)
    }

    /// Changes from now on; each element is everything that accumulated since the previous
    /// one was taken. Stop iterating (or drop the sequence) to unsubscribe.
    public func updates(limit: Int = 20_000) -> Updates {
        let (wakes, wake) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let inbox = Inbox(limit: max(1, limit), wake: wake)
        let id = nextID.withLock { id in
            defer { id += 1 }
            return id
        }
        inboxes.withLock { $0[id] = inbox }
        wake.onTermination = { [weak self] _ in self?.inboxes.withLock { _ = $0.removeValue(forKey: id) } }
        return Updates(wakes: wakes, inbox: inbox)
    }

    /// A subscriber's view: waits for a wake-up, then takes the whole inbox.
    public struct Updates: AsyncSequence, Sendable {
        public typealias Element = Update
        fileprivate let wakes: AsyncStream<Void>
        fileprivate let inbox: Inbox

        public struct AsyncIterator: AsyncIteratorProtocol {
            fileprivate var wakes: AsyncStream<Void>.Iterator
            fileprivate let inbox: Inbox

            public mutating func next() async -> Update? {
                while await wakes.next() != nil {
                    let update = inbox.pending.withLock { pending in
                        defer { pending = Update() }
                        return pending
                    }
                    if !update.isEmpty { return update }
                }
                return nil
            }
        }

        public func makeAsyncIterator() -> AsyncIterator {
            AsyncIterator(wakes: wakes.makeAsyncIterator(), inbox: inbox)
        }
    }

    /// Called after each commit (a `HistoryWriter` outcome handler).
    public func publish(_ commit: HistoryCommit) {
        guard !commit.records.isEmpty || !commit.jobsChanged.isEmpty else { return }
        guard let store else { return deliver(Update(records: commit.records, jobsChanged: commit.jobsChanged)) }
        var update = Update(jobsChanged: commit.jobsChanged)
        update.records.reserveCapacity(commit.records.count)
        handedOut.withLock { handedOut in
            for record in commit.records {
                guard let last = last(record.jobID, in: handedOut) else {
                    update.missed.insert(record.jobID)  // a quiet job grew: from the store
                    handedOut[record.jobID] = record.seq
                    continue
                }
                if record.seq <= last { continue }  // handed out already, by the poll or a gap fill
                if record.seq > last + 1 { fill(jobID: record.jobID, (last + 1)...(record.seq - 1), from: store, into: &update) }
                handedOut[record.jobID] = record.seq
                update.records.append(record)
            }
            deliver(update)  // under the lock: the poll's delivery cannot overtake this one
        }
    }

    /// Until cancelled, asks the store every `interval` for records of growing jobs that
    /// other processes committed, and hands them out. Each poll first compares two `stat`s of
    /// the file and its log, and the query runs only when they changed. After a few seconds
    /// without any change the polls slow to `idleInterval`, so an idle cockpit wakes for this
    /// once a second; the first change brings back the fast pace.
    public func followOtherWriters(every interval: Duration = .milliseconds(250), idleInterval: Duration = .seconds(1)) async {
        guard let store else { return }
        var stamp: [Int64] = []  // the first poll always looks: writes since `init` are news
        var unchanged = 0
        var lastQuery = ContinuousClock.now
        while !Task.isCancelled {
            try? await Task.sleep(for: unchanged >= 12 ? max(interval, idleInterval) : interval)
            let now = store.changeStamp()
            // Nobody committed anything — unless two commits fell in one tick of the file
            // system's clock after the log was reset, which a look every 5 s gets past.
            if now == stamp, ContinuousClock.now - lastQuery < .seconds(5) {
                unchanged += 1
                continue
            }
            unchanged = now == stamp ? unchanged : 0
            stamp = now
            lastQuery = .now
            // Read off the cooperative pool, from where this feed had got to; then, under the
            // lock, only what the commit side has not handed out meanwhile is handed out.
            let from = handedOut.withLock { $0 }
            let gapLimit = self.gapLimit
            guard let found = try? await store.reading({ store in
                try store.traceHeads(activeSince: Date().addingTimeInterval(-Self.activeWindow)).compactMap {
                    (jobID, head) -> (jobID: String, head: Int64, records: [TraceRecord]?)? in
                    guard let last = self.last(jobID, in: from) else { return (jobID, head, nil) }
                    guard head > last else { return nil }
                    let range = (last + 1)...head
                    guard Int64(range.count) <= gapLimit, let records = try? store.trace(jobID: jobID, seq: range),
                        records.count == range.count
                    else { return (jobID, head, nil) }
                    return (jobID, head, records)
                }
            }) else { continue }
            handedOut.withLock { handedOut in
                var update = Update()
                for (jobID, head, records) in found {
                    let last = self.last(jobID, in: handedOut) ?? -1
                    guard head > last else { continue }  // the commit side got there first
                    if let records {
                        update.records += records.filter { $0.seq > last }
                    } else {
                        update.missed.insert(jobID)
                    }
                    handedOut[jobID] = head
                    update.jobsChanged.insert(jobID)
                }
                deliver(update)
            }
        }
    }

    /// Appends the stored records of `range`, or marks the job missed when that is too many
    /// or cannot be read.
    private func fill(jobID: String, _ range: ClosedRange<Int64>, from store: HistoryStore, into update: inout Update) {
        guard Int64(range.count) <= gapLimit, let records = try? store.trace(jobID: jobID, seq: range),
            records.count == range.count
        else {
            update.missed.insert(jobID)
            return
        }
        update.records += records
    }

    private func deliver(_ update: Update) {
        guard !update.isEmpty else { return }
        let targets = inboxes.withLock { Array($0.values) }
        for inbox in targets { inbox.add(update) }
    }
}
