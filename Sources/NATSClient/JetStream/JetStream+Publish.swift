import FlightdeckCore

extension JetStream {
    /// What the server answers a JetStream publish: where the message was stored, and
    /// whether it was a repeat of one it already had (same `Nats-Msg-Id` within the stream's
    /// duplicate window).
    public struct PublishAck: Sendable, Hashable {
        public var stream: String
        public var sequence: UInt64
        public var duplicate: Bool
    }

    /// Publishes and waits until a stream has stored the message; `messageID` lets the stream
    /// drop a retried publish. Throws when no stream takes the subject, or it refuses.
    public func publish(_ subject: String, payload: [UInt8], messageID: String? = nil) async throws -> PublishAck {
        let headers = messageID.map { NATSHeaders(fields: [(name: "Nats-Msg-Id", value: $0)]) }
        let reply = try await connection.request(subject, payload: payload, headers: headers, timeout: timeout)
        guard let answer = try? JSONParser(maxDepth: 16).parse(reply.payload) else {
            throw JetStreamError(code: 0, errorCode: 0, text: "the publish ack was not JSON", subject: subject)
        }
        if let error = answer["error"] {
            throw JetStreamError(code: Int(error["code"]?.int64Value ?? 0), errorCode: Int(error["err_code"]?.int64Value ?? 0),
                text: error["description"]?.stringValue ?? "unknown error", subject: subject)
        }
        guard let stream = answer["stream"]?.stringValue, let sequence = answer["seq"]?.int64Value else {
            throw JetStreamError(code: 0, errorCode: 0, text: "the publish ack names no stream", subject: subject)
        }
        return PublishAck(stream: stream, sequence: UInt64(clamping: sequence), duplicate: answer["duplicate"]?.boolValue ?? false)
    }
}
