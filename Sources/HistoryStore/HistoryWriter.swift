import Foundation

/// The one writer of a history store: collects writes from any thread and commits them in
/// batches, one transaction per batch, bounded by rows and by time.
///
/// Batching is what makes SQLite fast here (one fsync per batch, not per record) and the time
/// bound is what keeps the cockpit live when records trickle. The queue is bounded too, so a
/// burst slows its source instead of growing memory: async sources `enqueue` or `commit`,
/// which suspend (holding no thread) while it is full — and learn of a failed batch, to retry
/// it or say so; threads of their own may `submit`, which blocks. Call `close()` (or
/// `closed()`) when done: the writer thread keeps the writer alive until then.
public final class HistoryWriter: @unchecked Sendable {
    public struct Limits: Sendable, Hashable {
        /// Commit when this many writes are waiting.
        public var maxRows: Int
        /// Commit at the latest this long after the oldest waiting write arrived. 10 ms by
        /// default: a record reaches the cockpit's screen within a frame or two of arriving
        /// (`flightdeck-bench cockpit-live`), and a WAL commit costs far less than that.
        public var maxDelay: TimeInterval
        /// Writes that may wait before `submit` blocks.
        public var capacity: Int

        public init(maxRows: Int = 2_000, maxDelay: TimeInterval = 0.01, capacity: Int = 50_000) {
            self.maxRows = max(1, maxRows)
            self.maxDelay = max(0, maxDelay)
            self.capacity = max(self.maxRows, capacity)
        }
    }

    /// What became of one batch.
    public enum Outcome: Sendable {
        case committed(HistoryCommit)
        /// Nothing of `batch` was written (the transaction rolled back whole).
        case failed(HistoryStoreError, batch: [HistoryWrite])
    }

    public let store: HistoryStore
    public let limits: Limits
    private let onOutcome: @Sendable (Outcome) -> Void

    private let condition = NSCondition()
    private var pending: [HistoryWrite] = []
    private var oldestPending: Date?
    private var submitted = 0
    private var processed = 0
    private var flushRequested = false
    private var closed = false
    private var refused = 0
    private var finished = false
    private var firstError: HistoryStoreError?
    private var latestError: HistoryStoreError?
    /// Callbacks waiting for everything up to a submission count to be processed, in order.
    private var waiters: [(target: Int, failed: Bool, done: @Sendable (HistoryStoreError?) -> Void)] = []
    /// Async producers waiting for room in the queue.
    private var roomWaiters: [CheckedContinuation<Void, Never>] = []

    public init(store: HistoryStore, limits: Limits = Limits(), onOutcome: @escaping @Sendable (Outcome) -> Void = { _ in }) {
        self.store = store
        self.limits = limits
        self.onOutcome = onOutcome
        pending.reserveCapacity(limits.maxRows)
        let thread = Thread { [self] in run() }
        thread.name = "flightdeck.history-writer"
        thread.start()
    }

    // MARK: - Producers

    /// Queues one write; blocks while the queue is full.
    @available(*, noasync, message: "blocks its thread while the queue is full: use enqueue(contentsOf:) or commit(contentsOf:)")
    public func submit(_ write: HistoryWrite) {
        submit(contentsOf: CollectionOfOne(write))
    }

    // MARK: - Async producers

    /// Queues one write, suspending (not blocking) while the queue is full.
    public func enqueue(_ write: HistoryWrite) async throws(HistoryStoreError) {
        try await enqueueWhenRoom([write], whenDone: nil)
    }

    /// Queues writes in order, suspending (not blocking) while the queue is full; returns once
    /// they are queued. Throws `writerClosed` after `close()`: nothing is queued then.
    public func enqueue(contentsOf writes: [HistoryWrite]) async throws(HistoryStoreError) {
        try await enqueueWhenRoom(writes, whenDone: nil)
    }

    /// Queues writes and returns once they are all committed. Throws the error of a batch
    /// holding some of them — nothing of that batch was written, and the caller holds all of
    /// `writes` to retry (the store takes a write twice as once) — or `writerClosed`.
    public func commit(contentsOf writes: [HistoryWrite]) async throws(HistoryStoreError) {
        let (outcome, report) = AsyncStream<HistoryStoreError?>.makeStream(bufferingPolicy: .bufferingNewest(1))
        try await enqueueWhenRoom(writes) { error in
            report.yield(error)
            report.finish()
        }
        for await error in outcome {
            if let error { throw error }
        }
    }

    /// Queues writes when there is room (suspending until then) and calls `done` once they
    /// are committed or failed, as `submit(contentsOf:whenDone:)` does.
    public func enqueue(contentsOf writes: [HistoryWrite],
        whenDone done: @escaping @Sendable (HistoryStoreError?) -> Void) async
    {
        do {
            try await enqueueWhenRoom(writes, whenDone: done)
        } catch {
            done(error)
        }
    }

    private func enqueueWhenRoom(_ writes: [HistoryWrite],
        whenDone done: (@Sendable (HistoryStoreError?) -> Void)?) async throws(HistoryStoreError)
    {
        while true {
            // With the lock: queue them all when there is room (a call may overshoot the
            // capacity by its own size), else wait to be woken when a batch leaves the queue.
            enum Step { case queued(Bool), closed, wait }
            var step = Step.wait
            await withCheckedContinuation { (room: CheckedContinuation<Void, Never>) in
                condition.lock()
                if closed {
                    refused += writes.count
                    step = .closed
                } else if pending.count < limits.capacity || finished {
                    let queued = enqueue(writes, blocking: false)
                    step = .queued(queued)
                    // Refused (the writer finished meanwhile): the caller learns it by the
                    // throw below, and `done` is called once, with that error.
                    if queued, let done {
                        if processed >= submitted {
                            condition.unlock()
                            room.resume()
                            done(nil)
                            return
                        }
                        waiters.append((submitted, false, done))
                    }
                } else {
                    roomWaiters.append(room)
                    condition.unlock()
                    return
                }
                condition.unlock()
                room.resume()
            }
            switch step {
            case .closed, .queued(false): throw .writerClosed(path: store.path)
            case .queued(true): return
            case .wait: continue
            }
        }
    }

    /// Returns once everything queued before the call has been committed (or has failed),
    /// without blocking a thread; throws the first failure seen since the writer started.
    public func flushed() async throws(HistoryStoreError) {
        let error: HistoryStoreError? = await withCheckedContinuation { (done: CheckedContinuation<HistoryStoreError?, Never>) in
            condition.lock()
            let target = submitted
            if processed >= target || finished {
                let error = firstError
                condition.unlock()
                done.resume(returning: error)
                return
            }
            flushRequested = true
            waiters.append((target, false, { [self] _ in
                condition.lock()
                let error = firstError
                condition.unlock()
                done.resume(returning: error)
            }))
            condition.broadcast()
            condition.unlock()
        }
        if let error { throw error }
    }

    /// Flushes and stops the writer thread without blocking a thread: `close()` for async code.
    public func closed() async throws(HistoryStoreError) {
        let error: HistoryStoreError? = await withCheckedContinuation { (done: CheckedContinuation<HistoryStoreError?, Never>) in
            let thread = Thread { [self] in
                do {
                    try close()
                    done.resume(returning: nil)
                } catch let error as HistoryStoreError {
                    done.resume(returning: error)
                } catch {
                    done.resume(returning: .writerClosed(path: store.path))
                }
            }
            thread.name = "flightdeck.history-close"
            thread.start()
        }
        if let error { throw error }
    }

    // MARK: - Thread producers

    /// Queues writes in order; blocks while the queue is full. Writes that arrive after
    /// `close()` (from a source still winding down) are not stored, and counted in
    /// `writesAfterClose`: the store is the record of what was committed, and a source that
    /// acknowledges only committed writes (`submit(contentsOf:whenDone:)`) loses nothing.
    @available(*, noasync, message: "blocks its thread while the queue is full: use enqueue(contentsOf:) or commit(contentsOf:)")
    public func submit(contentsOf writes: some Collection<HistoryWrite>) {
        condition.lock()
        defer { condition.unlock() }
        enqueue(writes)
    }

    /// The error of the last batch processed, `nil` when it was committed: for sources that
    /// retry what failed (so that an earlier failure was not a loss), whether the store is
    /// failing now.
    public var lastFailure: HistoryStoreError? {
        condition.lock()
        defer { condition.unlock() }
        return latestError
    }

    /// Writes refused because they arrived after `close()`.
    public var writesAfterClose: Int {
        condition.lock()
        defer { condition.unlock() }
        return refused
    }

    /// With the lock held: appends `writes`, or counts them refused once closing began.
    /// Returns whether they were queued.
    @discardableResult
    private func enqueue(_ writes: some Collection<HistoryWrite>, blocking: Bool = true) -> Bool {
        guard !closed else {
            refused += writes.count
            return false
        }
        var queued = 0
        for write in writes {
            while blocking, pending.count >= limits.capacity, !finished { condition.wait() }
            // The writer finished while this producer waited for room: nothing more is stored.
            if finished { break }
            if pending.isEmpty { oldestPending = Date() }
            pending.append(write)
            submitted += 1
            queued += 1
            if pending.count == limits.maxRows { condition.broadcast() }
        }
        // Wake the writer: it may be asleep on an empty queue, with no deadline armed yet.
        condition.broadcast()
        refused += writes.count - queued
        return queued == writes.count
    }

    /// Queues writes and calls `done` once they are all committed — with `nil` — or once any
    /// batch holding some of them failed (with its error). How a source acknowledges only
    /// what is safely stored: JetStream acks go out from `done`. `done` runs on the writer
    /// thread: keep it short.
    @available(*, noasync, message: "blocks its thread while the queue is full: use enqueue(contentsOf:whenDone:)")
    public func submit(contentsOf writes: some Collection<HistoryWrite>, whenDone done: @escaping @Sendable (HistoryStoreError?) -> Void) {
        condition.lock()
        guard enqueue(writes) else {
            condition.unlock()
            done(.writerClosed(path: store.path))
            return
        }
        if processed >= submitted {
            condition.unlock()
            done(nil)
            return
        }
        waiters.append((submitted, false, done))
        condition.unlock()
    }

    /// Returns once everything submitted before the call has been committed (or has failed);
    /// throws the first failure seen since the writer started.
    @available(*, noasync, message: "blocks its thread: use flushed()")
    public func flush() throws {
        condition.lock()
        defer { condition.unlock() }
        let target = submitted
        flushRequested = true
        condition.broadcast()
        while processed < target, !finished { condition.wait() }
        if let firstError { throw firstError }
    }

    /// Flushes, then stops the writer thread.
    @available(*, noasync, message: "blocks its thread: use closed()")
    public func close() throws {
        condition.lock()
        closed = true
        condition.broadcast()
        while !finished { condition.wait() }
        condition.unlock()
        if let firstError { throw firstError }
    }

    // MARK: - The writer thread

    private func run() {
        while let batch = nextBatch() {
            let outcome: Outcome
            do {
                outcome = .committed(try store.write(batch))
            } catch let error as HistoryStoreError {
                outcome = .failed(error, batch: batch)
            } catch {
                outcome = .failed(.sqlite(path: store.path, code: -1, message: "\(error)"), batch: batch)
            }
            onOutcome(outcome)
            condition.lock()
            processed += batch.count
            var failure: HistoryStoreError?
            latestError = nil
            if case let .failed(error, _) = outcome {
                latestError = error
                failure = error
                if firstError == nil { firstError = error }
                // Every waiter with writes in this batch learns of the failure.
                for index in waiters.indices where waiters[index].target > processed - batch.count {
                    waiters[index].failed = true
                }
            }
            var ready: [(HistoryStoreError?, @Sendable (HistoryStoreError?) -> Void)] = []
            while let first = waiters.first, first.target <= processed {
                waiters.removeFirst()
                ready.append((first.failed ? (failure ?? firstError) : nil, first.done))
            }
            condition.broadcast()
            condition.unlock()
            for (error, done) in ready { done(error) }
        }
    }

    /// Waits for a full batch, the oldest write's deadline, a flush or close; `nil` when closed
    /// and drained.
    private func nextBatch() -> [HistoryWrite]? {
        condition.lock()
        defer { condition.unlock() }
        while true {
            if pending.isEmpty {
                if closed {
                    // Under the same lock as the check: a producer arriving now sees it.
                    finished = true
                    condition.broadcast()
                    wakeRoomWaiters()
                    return nil
                }
                flushRequested = false
                condition.wait()
                continue
            }
            let deadline = (oldestPending ?? Date()).addingTimeInterval(limits.maxDelay)
            if pending.count >= limits.maxRows || flushRequested || closed || Date() >= deadline {
                return takeBatch()
            }
            _ = condition.wait(until: deadline)
        }
    }

    /// With the lock held: async producers waiting for room look again (they re-check under
    /// the lock, so a wake-up too many costs a look, and none is lost).
    private func wakeRoomWaiters() {
        guard !roomWaiters.isEmpty else { return }
        let waiting = roomWaiters
        roomWaiters = []
        for waiter in waiting { waiter.resume() }
    }

    private func takeBatch() -> [HistoryWrite] {
        let batch: [HistoryWrite]
        if pending.count <= limits.maxRows {
            batch = pending
            pending = []
            pending.reserveCapacity(limits.maxRows)
            oldestPending = nil
        } else {
            batch = Array(pending.prefix(limits.maxRows))
            pending.removeFirst(limits.maxRows)
            oldestPending = Date()
        }
        condition.broadcast()  // room for blocked producers
        wakeRoomWaiters()
        return batch
    }
}
