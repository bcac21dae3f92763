import KubeModel

/// One open watch: an async sequence of `WatchEvent`s that ends when the watch times out,
/// is cancelled, falls behind (its buffer overflowed), or started from a compacted revision
/// (after one `ERROR` event). A consumer that sees the end relists, as client-go's reflector
/// does.
public struct WatchSubscription: AsyncSequence, Sendable {
    public typealias Element = WatchEvent
    public typealias Failure = Never

    /// The store's handle on this watcher (for `cancel`).
    public let id: Int
    let stream: AsyncStream<WatchEvent>
    let onCancel: @Sendable () -> Void

    public func makeAsyncIterator() -> AsyncStream<WatchEvent>.Iterator { stream.makeAsyncIterator() }

    /// Ends the stream; buffered events are still delivered first.
    public func cancel() { onCancel() }
}
