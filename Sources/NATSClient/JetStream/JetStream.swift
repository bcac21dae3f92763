import FlightdeckCore
import Foundation

/// JetStream's management API (request/reply on `$JS.API.*`) over a `NATSConnection`: what
/// Flightdeck needs to keep the trace stream and each cockpit's durable consumer in place.
public struct JetStream: Sendable {
    public let connection: NATSConnection
    public var timeout: Duration

    public init(connection: NATSConnection, timeout: Duration = .seconds(5)) {
        self.connection = connection
        self.timeout = timeout
    }

    /// What the server says about a stream: its config and state (`messages`, `first_seq`,
    /// `last_seq`; per-subject counts when asked with `subjectsFilter`). `nil` when there is
    /// no such stream.
    public func streamInfo(_ name: String, subjectsFilter: String? = nil) async throws -> JSONValue? {
        let body: JSONValue = subjectsFilter.map { .object([.init("subjects_filter", .string($0))]) } ?? .emptyObject
        do {
            return try await api("STREAM.INFO.\(name)", body)
        } catch let error as JetStreamError where error.errorCode == JetStreamError.streamNotFound {
            return nil
        }
    }

    /// Creates the stream, or brings an existing one's subjects and limits up to `config`.
    @discardableResult
    public func ensureStream(_ config: StreamConfig) async throws -> JSONValue {
        guard let info = try await streamInfo(config.name) else {
            return try await api("STREAM.CREATE.\(config.name)", config.json)
        }
        let current = info["config"]
        let wanted = config.json
        let differs = ["subjects", "max_age", "max_bytes", "max_msg_size"].contains { current?[$0] != wanted[$0] }
        return differs ? try await api("STREAM.UPDATE.\(config.name)", wanted) : info
    }

    /// The durable consumer's info; `nil` when it does not exist.
    public func consumerInfo(stream: String, name: String) async throws -> JSONValue? {
        do {
            return try await api("CONSUMER.INFO.\(stream).\(name)", .emptyObject)
        } catch let error as JetStreamError where error.errorCode == JetStreamError.consumerNotFound {
            return nil
        }
    }

    /// Creates the durable consumer unless it exists: an existing one keeps its place (its
    /// start point applies only to its first start). Returns whether it was created.
    /// One with another ack policy is made again at its ack floor (`placeConsumer`).
    @discardableResult
    public func ensureConsumer(stream: String, _ config: ConsumerConfig) async throws -> Bool {
        try await placeConsumer(stream: stream, config).origin == .created
    }

    /// Creates the durable consumer unless it exists; an existing one keeps its place, unless
    /// - its ack policy is not `config`'s: JetStream cannot change it, so it is deleted and
    ///   made again delivering from its ack floor on (what was acked stays acked; what was
    ///   not comes again). How an install from before `AckPolicy.all` keeps its place;
    /// - `restartUnacked` and it has delivered messages nobody acked (a reader that stopped
    ///   or crashed before its acks): made again the same way, so they come again at once,
    ///   in order, before anything newer. A reader acking with `AckPolicy.all` needs this:
    ///   its first ack would otherwise ack them unread.
    public func placeConsumer(stream: String, _ config: ConsumerConfig, restartUnacked: Bool = false) async throws
        -> ConsumerPlacement
    {
        let name = config.durableName
        guard let info = try await consumerInfo(stream: stream, name: name) else {
            return try await create(stream: stream, config, origin: .created)
        }
        let policy = info["config"]?["ack_policy"]?.stringValue
        let unacked = info["num_ack_pending"]?.int64Value ?? 0
        guard policy != config.ackPolicy.rawValue || (restartUnacked && unacked > 0) else {
            let delivered = UInt64(clamping: info["delivered"]?["consumer_seq"]?.int64Value ?? 0)
            return ConsumerPlacement(origin: .kept, nextDelivery: delivered + 1)
        }
        let floor = UInt64(clamping: info["ack_floor"]?["stream_seq"]?.int64Value ?? 0)
        var again = config
        again.deliverPolicy = .sequence(floor + 1)
        do {
            try await deleteConsumer(stream: stream, name: name)
        } catch let error as JetStreamError where error.errorCode == JetStreamError.consumerNotFound {}
        return try await create(stream: stream, again, origin: .restarted(from: floor + 1))
    }

    private func create(stream: String, _ config: ConsumerConfig, origin: ConsumerPlacement.Origin) async throws
        -> ConsumerPlacement
    {
        _ = try await api("CONSUMER.DURABLE.CREATE.\(stream).\(config.durableName)", config.json(stream: stream))
        return ConsumerPlacement(origin: origin, nextDelivery: 1)
    }

    public func deleteConsumer(stream: String, name: String) async throws {
        _ = try await api("CONSUMER.DELETE.\(stream).\(name)", .emptyObject)
    }

    /// One API call: the answer, or its error as a `JetStreamError`.
    func api(_ operation: String, _ body: JSONValue) async throws -> JSONValue {
        let subject = "$JS.API." + operation
        let reply = try await connection.request(subject, payload: Array(body.serialized.utf8), timeout: timeout)
        guard let answer = try? JSONParser(maxDepth: 64).parse(reply.payload) else {
            throw JetStreamError(code: 0, errorCode: 0, text: "the answer was not JSON", subject: subject)
        }
        if let error = answer["error"] {
            throw JetStreamError(
                code: Int(error["code"]?.int64Value ?? 0), errorCode: Int(error["err_code"]?.int64Value ?? 0),
                text: error["description"]?.stringValue ?? "unknown error", subject: subject)
        }
        return answer
    }
}
