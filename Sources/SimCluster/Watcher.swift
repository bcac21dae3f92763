import FlightdeckCore
import KubeModel
import Synchronization

/// The store's side of a watch: what it filters on and where it pushes. Pushing never
/// waits: the stream buffers at most the configured number of events and a full buffer
/// ends the watch, so one slow reader cannot hold up writers.
struct Watcher: Sendable {
    /// Set when the consumer went away (stream dropped or cancelled); the store prunes the
    /// watcher on its next push. A flag rather than a callback that takes the store's lock,
    /// because termination can fire while that lock is held.
    final class Flag: Sendable {
        private let value = Atomic<Bool>(false)
        var isSet: Bool { value.load(ordering: .acquiring) }
        func set() { value.store(true, ordering: .releasing) }
    }

    var type: ResourceType
    var namespace: String?
    var labels: LabelSelector
    var fields: FieldSelector
    var allowBookmarks: Bool
    var continuation: AsyncStream<WatchEvent>.Continuation
    var gone: Flag

    func matches(_ object: JSONValue) -> Bool { labels.matches(object) && fields.matches(object) }

    /// What this watcher sees of `change`, following the apiserver's cacher: an object
    /// entering the selection is `ADDED`, one leaving it is `DELETED` (with its new state).
    func event(for change: StoreChange) -> WatchEvent? {
        guard change.type == type else { return nil }
        if let namespace, change.namespace != namespace { return nil }
        let now = matches(change.object)
        switch change.eventType {
        case .added:
            return now ? WatchEvent(type: .added, object: change.object) : nil
        case .deleted:
            return now ? WatchEvent(type: .deleted, object: change.object) : nil
        default:
            let before = change.previous.map(matches) ?? false
            switch (before, now) {
            case (true, true): return WatchEvent(type: .modified, object: change.object)
            case (false, true): return WatchEvent(type: .added, object: change.object)
            case (true, false): return WatchEvent(type: .deleted, object: change.object)
            case (false, false): return nil
            }
        }
    }

    /// Pushes without waiting; `false` when the buffer is full or the stream ended, in
    /// which case the caller finishes and drops the watcher.
    func push(_ event: WatchEvent) -> Bool {
        if case .enqueued = continuation.yield(event) { return true }
        return false
    }
}
