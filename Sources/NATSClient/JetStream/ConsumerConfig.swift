import FlightdeckCore
import Foundation

/// A durable pull consumer: the server keeps its place across restarts of the cockpit, and
/// redelivers whatever was not acked (`ackWait`), which is what makes "ack only after the
/// SQLite commit" lose nothing.
public struct ConsumerConfig: Sendable, Hashable {
    /// Where a consumer that does not exist yet starts. An existing one keeps its place.
    public enum DeliverPolicy: Sendable, Hashable {
        case all
        case new
        case since(Date)
        /// From this stream sequence on (how a consumer is remade at its ack floor).
        case sequence(UInt64)
    }

    /// What one ack means.
    public enum AckPolicy: String, Sendable, Hashable {
        /// Each message is acked on its own.
        case explicit
        /// An ack of a message acks every message up to it in the stream: one ack per batch.
        /// Only for a consumer read by one reader that acks in stream order.
        case all
    }

    public var durableName: String
    public var deliverPolicy: DeliverPolicy
    public var ackPolicy: AckPolicy
    public var ackWait: Duration
    /// Delivered but unacked messages the server allows at once.
    public var maxAckPending: Int
    public var filterSubject: String?

    public init(durableName: String, deliverPolicy: DeliverPolicy = .all, ackPolicy: AckPolicy = .explicit,
        ackWait: Duration = .seconds(30), maxAckPending: Int = 20_000, filterSubject: String? = nil)
    {
        self.durableName = durableName
        self.deliverPolicy = deliverPolicy
        self.ackPolicy = ackPolicy
        self.ackWait = ackWait
        self.maxAckPending = maxAckPending
        self.filterSubject = filterSubject
    }

    func json(stream: String) -> JSONValue {
        var config: [JSONValue.Member] = [
            .init("durable_name", .string(durableName)),
            .init("ack_policy", .string(ackPolicy.rawValue)),
            .init("ack_wait", .integer(Int64(ackWait.nanoseconds))),
            .init("max_ack_pending", .integer(Int64(maxAckPending))),
            .init("max_deliver", -1),
            .init("replay_policy", "instant"),
        ]
        switch deliverPolicy {
        case .all: config.append(.init("deliver_policy", "all"))
        case .new: config.append(.init("deliver_policy", "new"))
        case .since(let date):
            config.append(.init("deliver_policy", "by_start_time"))
            config.append(.init("opt_start_time", .string(RFC3339.string(from: date))))
        case .sequence(let sequence):
            config.append(.init("deliver_policy", "by_start_sequence"))
            config.append(.init("opt_start_seq", .integer(Int64(clamping: max(1, sequence)))))
        }
        if let filterSubject { config.append(.init("filter_subject", .string(filterSubject))) }
        return .object([.init("stream_name", .string(stream)), .init("config", .object(config))])
    }
}
