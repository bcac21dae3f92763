import FlightdeckCore
import HistoryStore
import Synchronization

/// Hands what each history commit changed to live subscribers (the cockpit, `logs -f`).
///
/// Publishing never waits: each subscriber has a bounded inbox that coalesces — new records
/// are appended up to `limit`, changed jobs are a set — and a subscriber that falls behind
/// further loses records, not memory: it is told which jobs it missed records of and reads
/// them from the store, which is the source of truth.
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

        func add(_ commit: HistoryCommit) {
            pending.withLock { update in
                update.jobsChanged.formUnion(commit.jobsChanged)
                let room = max(0, limit - update.records.count)
                if commit.records.count <= room {
                    update.records += commit.records
                } else {
                    update.records += commit.records.prefix(room)
                    for record in commit.records.dropFirst(room) { update.missed.insert(record.jobID) }
                }
            }
            wake.yield()
        }
    }

    private let inboxes = Mutex<[Int: Inbox]>([:])
    private let nextID = Mutex(0)

    public init() {}

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
        let targets = inboxes.withLock { Array($0.values) }
        for inbox in targets { inbox.add(commit) }
    }
}
