import FlightdeckCore
import Foundation
import HistoryStore
import KubeClient
import Synchronization

/// A source's way into the history that lets no write go: batches are queued with a bounded
/// number of writes in flight (the source waits beyond it, so demand stops at the socket), and
/// a batch the store could not commit — a full disk, a database locked too long — comes back,
/// is committed again before anything newer is queued, with backoff, for as long as it takes.
/// The failure is reported while it lasts (the status bar, `record`'s exit status) and its
/// end too (`report(nil)`).
///
/// Retrying is safe because the store takes a write twice as once (every record is keyed on
/// its source's identity). Batches already in flight when one fails may commit before it is
/// retried; for a source whose writes must land in order (job states), use `ordered`.
final class DurableWrites: Sendable {
    private struct State {
        var failed: [(sequence: Int, writes: [HistoryWrite])] = []
        var sequence = 0
    }

    let writer: HistoryWriter
    let ordered: Bool
    private let limit: InFlightLimit
    private let backoff: Backoff
    private let report: @Sendable (HistoryStoreError?) -> Void
    private let state = Mutex(State())

    /// - Parameters:
    ///   - maxInFlight: writes queued but not yet committed, at most (ignored when `ordered`).
    ///   - ordered: each batch is committed before the next is queued.
    init(writer: HistoryWriter, maxInFlight: Int = 2_000, ordered: Bool = false,
        backoff: Backoff = Backoff(initial: 0.5, maximum: 10), report: @escaping @Sendable (HistoryStoreError?) -> Void)
    {
        self.writer = writer
        self.ordered = ordered
        limit = InFlightLimit(maxInFlight)
        self.backoff = backoff
        self.report = report
    }

    /// Queues `writes` (after committing any batch that failed before). Returns once they are
    /// queued — or committed, when `ordered`. Throws `CancellationError` only when the task is
    /// cancelled or the writer has closed: then these writes were not stored.
    func write(_ writes: [HistoryWrite]) async throws(CancellationError) {
        guard !writes.isEmpty else { return }
        try await retryFailed()
        if ordered {
            try await commitUntilStored(writes)
            return
        }
        let units = writes.count
        await limit.acquire(units)
        let sequence = state.withLock { state in
            state.sequence += 1
            return state.sequence
        }
        await writer.enqueue(contentsOf: writes) { [self] error in
            if let error {
                state.withLock { $0.failed.append((sequence, writes)) }
                report(error)
            }
            limit.release(units)
        }
    }

    /// Returns once everything written so far is committed (retrying what failed).
    func settle() async throws(CancellationError) {
        await limit.acquire(limit.limit)  // fits only when nothing is in flight
        limit.release(limit.limit)
        try await retryFailed()
    }

    /// Batches waiting to be committed again.
    var failedBatches: Int { state.withLock { $0.failed.count } }

    private func retryFailed() async throws(CancellationError) {
        guard state.withLock({ !$0.failed.isEmpty }) else { return }
        // What is in flight settles first: its failures join the retry, in order.
        await limit.acquire(limit.limit)
        limit.release(limit.limit)
        let failed = state.withLock { state in
            defer { state.failed = [] }
            return state.failed.sorted { $0.sequence < $1.sequence }.flatMap(\.writes)
        }
        try await commitUntilStored(failed)
    }

    /// Commits `writes`, again and again with backoff while the store refuses them.
    private func commitUntilStored(_ writes: [HistoryWrite]) async throws(CancellationError) {
        var attempt = 0
        let origin = Date()
        var backoff = self.backoff
        while true {
            do {
                try await writer.commit(contentsOf: writes)
                if attempt > 0 { report(nil) }
                return
            } catch .writerClosed {
                throw CancellationError()
            } catch {
                attempt += 1
                report(error)
                let delay = backoff.delay(now: Date().timeIntervalSince(origin), random: .random(in: 0...1))
                do {
                    try await Task.sleep(for: .seconds(delay))
                } catch {
                    throw CancellationError()
                }
            }
        }
    }
}
