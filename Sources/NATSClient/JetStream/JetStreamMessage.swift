import Foundation

/// A message delivered by a JetStream consumer, with what its reply subject says about it.
///
/// The reply subject is the ack address and carries the metadata:
/// `$JS.ACK.<stream>.<consumer>.<delivered>.<stream seq>.<consumer seq>.<ns>.<pending>`, or
/// with a domain and account hash in front (`$JS.ACK.<domain>.<hash>.<stream>...`, 2.10+).
public struct JetStreamMessage: Sendable, Hashable {
    public var subject: String
    public var payload: [UInt8]
    public var headers: NATSHeaders?
    /// Where to send the ack.
    public var ackSubject: String
    public var stream: String
    /// The message's place in the stream: the identity that makes ingestion idempotent.
    public var streamSequence: UInt64
    /// How many times it has been delivered (more than 1: a redelivery).
    public var deliveries: Int
    /// When the server stored it.
    public var published: Date
    /// Messages still waiting for this consumer after this one.
    public var pending: UInt64

    /// `nil` when `message` is not a JetStream delivery (no or malformed ack subject).
    public init?(_ message: NATSMessage) {
        guard let reply = message.replyTo, reply.hasPrefix("$JS.ACK.") else { return nil }
        let tokens = reply.split(separator: ".", omittingEmptySubsequences: false)
        // 9 tokens in the old form; 12 (or more) with domain, account hash and a random token.
        let base: Int
        switch tokens.count {
        case 9: base = 2
        case 12...: base = 4
        default: return nil
        }
        guard let delivered = Int(tokens[base + 2]), let streamSequence = UInt64(tokens[base + 3]),
            let nanoseconds = Int64(tokens[base + 5]), let pending = UInt64(tokens[base + 6])
        else { return nil }
        subject = message.subject
        payload = message.payload
        headers = message.headers
        ackSubject = reply
        stream = String(tokens[base])
        self.streamSequence = streamSequence
        deliveries = delivered
        published = Date(timeIntervalSince1970: Double(nanoseconds) / 1e9)
        self.pending = pending
    }
}
