/// Messages on one subscription, as an async sequence; it ends when unsubscribed or when
/// the connection closes for good. It survives reconnects (the client subscribes again).
public struct NATSSubscription: AsyncSequence, Sendable {
    public typealias Element = NATSMessage
    public typealias Failure = Never

    public let sid: String
    public let subject: String
    let stream: AsyncStream<NATSMessage>
    let onUnsubscribe: @Sendable () -> Void

    public func makeAsyncIterator() -> AsyncStream<NATSMessage>.Iterator { stream.makeAsyncIterator() }

    /// Stops the subscription (messages already buffered are still delivered).
    public func unsubscribe() { onUnsubscribe() }
}
