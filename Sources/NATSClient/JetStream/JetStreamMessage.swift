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
    /// The consumer's delivery number: one more for every delivery it makes, redeliveries
    /// included, so a reader that misses a delivery sees a gap.
    public var consumerSequence: UInt64
    /// How many times it has been delivered (more than 1: a redelivery).
    public var deliveries: Int
    /// When the server stored it.
    public var published: Date
    /// Messages still waiting for this consumer after this one.
    public var pending: UInt64

    /// `nil` when `message` is not a JetStream delivery (no or malformed ack subject).
    public init?(_ message: NATSMessage) {
        guard var reply = message.replyTo, reply.hasPrefix("$JS.ACK.") else { return nil }
        // The tokens' bounds in one pass over the bytes (every delivery comes through here).
        guard let parsed = reply.withUTF8({ Self.parse(ack: $0) }) else { return nil }
        subject = message.subject
        payload = message.payload
        headers = message.headers
        ackSubject = reply
        stream = parsed.stream
        streamSequence = parsed.streamSequence
        consumerSequence = parsed.consumerSequence
        deliveries = parsed.delivered
        published = Date(timeIntervalSince1970: Double(parsed.nanoseconds) / 1e9)
        pending = parsed.pending
    }

    private struct AckFields {
        var stream: String
        var delivered: Int
        var streamSequence: UInt64
        var consumerSequence: UInt64
        var nanoseconds: Int64
        var pending: UInt64
    }

    private static func parse(ack bytes: UnsafeBufferPointer<UInt8>) -> AckFields? {
        var starts: [Int] = [0]
        starts.reserveCapacity(16)
        for index in 0..<bytes.count where bytes[index] == UInt8(ascii: ".") {
            starts.append(index + 1)
            if starts.count > 64 { return nil }
        }
        let count = starts.count
        // 9 tokens in the old form; 12 (or more) with domain, account hash and a random token.
        let base: Int
        switch count {
        case 9: base = 2
        case 12...: base = 4
        default: return nil
        }
        func token(_ index: Int) -> Range<Int> {
            starts[index]..<(index + 1 < count ? starts[index + 1] - 1 : bytes.count)
        }
        func number(_ index: Int) -> UInt64? {
            let range = token(index)
            guard !range.isEmpty, range.count <= 20 else { return nil }
            var value: UInt64 = 0
            for position in range {
                let digit = bytes[position] &- UInt8(ascii: "0")
                guard digit < 10 else { return nil }
                let (times10, overflow) = value.multipliedReportingOverflow(by: 10)
                let (sum, carry) = times10.addingReportingOverflow(UInt64(digit))
                guard !overflow, !carry else { return nil }
                value = sum
            }
            return value
        }
        guard let delivered = number(base + 2), let streamSequence = number(base + 3),
            let consumerSequence = number(base + 4), let nanoseconds = number(base + 5), let pending = number(base + 6),
            delivered <= UInt64(Int.max), nanoseconds <= UInt64(Int64.max)
        else { return nil }
        let streamRange = token(base)
        let stream = String(decoding: UnsafeBufferPointer(rebasing: bytes[streamRange]), as: UTF8.self)
        return AckFields(stream: stream, delivered: Int(delivered), streamSequence: streamSequence,
            consumerSequence: consumerSequence, nanoseconds: Int64(nanoseconds), pending: pending)
    }
}
