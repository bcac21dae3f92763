import Synchronization

/// A controller's queue of keys to reconcile (client-go's workqueue, reduced): a key added
/// while already waiting is not queued twice, and `add(_:after:)` re-queues it later (for
/// back-off and deadlines).
///
/// Why keys and not events: controllers here are level-triggered, as upstream's are. A key
/// says "look at this object again"; the sync reads the object's current state, so missed,
/// repeated or coalesced events cannot make it act on a stale view.
final class WorkQueue<Key: Hashable & Sendable>: Sendable {
    private struct State {
        var waiting = Set<Key>()
        var timers: [Int: Task<Void, Never>] = [:]
        var nextTimer = 0
        var shutDown = false
    }

    private let state = Mutex(State())
    private let continuation: AsyncStream<Key>.Continuation
    /// The keys, in order; one consumer (the controller's worker) iterates it.
    let keys: AsyncStream<Key>

    init() {
        (keys, continuation) = AsyncStream<Key>.makeStream(bufferingPolicy: .unbounded)
    }

    /// Queues `key` unless it is already waiting.
    func add(_ key: Key) {
        let queued = state.withLock { state -> Bool in
            guard !state.shutDown, !state.waiting.contains(key) else { return false }
            state.waiting.insert(key)
            return true
        }
        if queued { continuation.yield(key) }
    }

    /// Queues `key` once `delay` has passed.
    func add(_ key: Key, after delay: Duration) {
        guard delay > .zero else { return add(key) }
        state.withLock { state in
            guard !state.shutDown else { return }
            let id = state.nextTimer
            state.nextTimer += 1
            state.timers[id] = Task { [weak self] in
                try? await Task.sleep(for: delay)
                guard let self, !Task.isCancelled else { return }
                self.state.withLock { _ = $0.timers.removeValue(forKey: id) }
                self.add(key)
            }
        }
    }

    /// Called by the worker when it takes `key`: from now on adding it queues it again.
    func started(_ key: Key) {
        _ = state.withLock { $0.waiting.remove(key) }
    }

    /// Ends the stream and cancels pending timers.
    func shutDown() {
        let timers = state.withLock { state -> [Task<Void, Never>] in
            state.shutDown = true
            defer { state.timers.removeAll() }
            return Array(state.timers.values)
        }
        for timer in timers { timer.cancel() }
        continuation.finish()
    }
}
