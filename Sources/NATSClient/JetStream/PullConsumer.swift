import FlightdeckCore
import Foundation
import Synchronization

/// Keeps messages flowing from a durable pull consumer: it asks for `batch` messages at a
/// time and asks again when half have arrived, so the server always has a request to fill
/// and the cockpit sees records as soon as they are stored — without ever having more than
/// two batches in flight (memory stays bounded whatever the backlog).
///
/// The server's pull requests do not survive a reconnect and can be lost with a stalled
/// link: the consumer asks for idle heartbeats and, when neither messages nor heartbeats
/// arrive for three of their intervals (or the connection comes back), it asks afresh. What
/// the server delivered but nobody acked comes back after the consumer's `ack_wait`.
public final class PullConsumer: Sendable {
    public let jetStream: JetStream
    public let stream: String
    public let consumer: String
    public let batch: Int
    public let heartbeat: Duration

    public init(jetStream: JetStream, stream: String, consumer: String, batch: Int = 1_000,
        heartbeat: Duration = .seconds(5))
    {
        self.jetStream = jetStream
        self.stream = stream
        self.consumer = consumer
        self.batch = max(1, batch)
        self.heartbeat = heartbeat
    }

    private struct Flow {
        /// Messages asked for and not yet delivered (or cancelled by a status).
        var outstanding = 0
        var lastHeard = ContinuousClock.now
    }

    private final class FlowBox: Sendable {
        let state = Mutex(Flow())
    }

    /// The messages as they arrive, a socket read's worth at a time. The sequence throws when
    /// the consumer is deleted under it (the caller recreates it and starts again).
    public func batches() -> AsyncThrowingStream<[JetStreamMessage], any Error> {
        let connection = jetStream.connection
        let inbox = connection.newInbox()
        let box = FlowBox()
        let subject = "$JS.API.CONSUMER.MSG.NEXT.\(stream).\(consumer)"
        let expires = Duration.seconds(30)
        let request = Array(JSONValue.object([
            .init("batch", .integer(Int64(batch))),
            .init("expires", .integer(expires.nanoseconds)),
            .init("idle_heartbeat", .integer(heartbeat.nanoseconds)),
        ]).serialized.utf8)
        let batch = self.batch
        let heartbeat = self.heartbeat

        /// Asks for more when at most half a batch is still on its way.
        @Sendable func topUp(reset: Bool = false) {
            let ask = box.state.withLock { flow -> Bool in
                if reset { flow.outstanding = 0 }
                guard flow.outstanding <= batch / 2 else { return false }
                flow.outstanding += batch
                return true
            }
            if ask { try? connection.publish(subject, payload: request, replyTo: inbox) }
        }

        return AsyncThrowingStream { continuation in
            let task = Task {
                let messages: AsyncStream<[NATSMessage]>
                do {
                    messages = try connection.subscribeBatches(inbox)
                } catch {
                    continuation.finish(throwing: error)
                    return
                }
                await withTaskGroup(of: Void.self) { group in
                    // Watchdog: silence, or a new connection, means our requests are gone.
                    group.addTask {
                        var states = connection.states().makeAsyncIterator()
                        let watcher = Task {
                            var wasConnected = false
                            while let state = await states.next() {
                                if case .connected = state {
                                    if wasConnected { topUp(reset: true) }
                                    wasConnected = true
                                }
                            }
                        }
                        defer { watcher.cancel() }
                        while !Task.isCancelled {
                            try? await Task.sleep(for: heartbeat)
                            let silent = box.state.withLock { ContinuousClock.now - $0.lastHeard > heartbeat * 3 }
                            if silent {
                                box.state.withLock { $0.lastHeard = .now }
                                topUp(reset: true)
                            }
                        }
                    }
                    group.addTask {
                        topUp()
                        for await delivery in messages {
                            var received: [JetStreamMessage] = []
                            received.reserveCapacity(delivery.count)
                            var failure: (any Error)?
                            for message in delivery {
                                if let message = JetStreamMessage(message) {
                                    received.append(message)
                                    continue
                                }
                                // A status for our request: 100 heartbeat, 404/408 ended, 409 refused.
                                let status = message.headers?.statusCode ?? 0
                                let unfilled = message.headers?["Nats-Pending-Messages"].flatMap { Int($0) }
                                let description = message.headers?.statusDescription ?? ""
                                box.state.withLock { flow in
                                    if let unfilled, status != 100 { flow.outstanding = max(0, flow.outstanding - unfilled) }
                                    else if status == 408 || status == 404 { flow.outstanding = 0 }
                                }
                                if status == 409, description.lowercased().contains("consumer deleted") {
                                    failure = JetStreamError(code: 409, errorCode: 0, text: description, subject: subject)
                                }
                            }
                            box.state.withLock { flow in
                                flow.lastHeard = .now
                                flow.outstanding = max(0, flow.outstanding - received.count)
                            }
                            if !received.isEmpty { continuation.yield(received) }
                            if let failure {
                                continuation.finish(throwing: failure)
                                break
                            }
                            topUp()
                        }
                    }
                    await group.next()
                    group.cancelAll()
                }
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// Acknowledges messages (after what they carried is safely stored), one ack each: for a
    /// consumer with `AckPolicy.explicit`.
    public func ack(_ messages: some Sequence<JetStreamMessage>) throws {
        try jetStream.connection.publish(messages.map { (subject: $0.ackSubject, payload: Self.ack) })
    }

    /// Acknowledges one message: with `AckPolicy.all`, every message up to it in the stream.
    public func ack(_ message: JetStreamMessage) throws {
        try jetStream.connection.publish(message.ackSubject, payload: Self.ack)
    }

    private static let ack = Array("+ACK".utf8)
}
