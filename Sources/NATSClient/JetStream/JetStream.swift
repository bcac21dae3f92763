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
    @discardableResult
    public func ensureConsumer(stream: String, _ config: ConsumerConfig) async throws -> Bool {
        if try await consumerInfo(stream: stream, name: config.durableName) != nil { return false }
        _ = try await api("CONSUMER.DURABLE.CREATE.\(stream).\(config.durableName)", config.json(stream: stream))
        return true
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
