import NATSClient
import Testing
@testable import Orchestrator

/// Which message an `AckPolicy.all` reader acks: only ever the stored prefix of what it read.
@Suite struct AckFloorTests {
    /// A delivery as JetStream numbers it: its place in the stream and the consumer's count.
    func message(stream: UInt64, delivery: UInt64) -> JetStreamMessage {
        JetStreamMessage(NATSMessage(subject: "logs.agent.j1", sid: "1",
            replyTo: "$JS.ACK.FLIGHTDECK_TRACE.cockpit.1.\(stream).\(delivery).1764400000000000000.0", payload: []))!
    }

    func deliveries(_ range: ClosedRange<UInt64>) -> [JetStreamMessage] {
        range.map { message(stream: $0, delivery: $0) }
    }

    @Test func acksTheStoredPrefixOnceNamingItsHighestMessage() throws {
        let acks = AckFloor(nextDelivery: 1)
        let (first, second, third) = (deliveries(1...10), deliveries(11...20), deliveries(21...30))
        let (a, b, c) = (try acks.open(first), try acks.open(second), try acks.open(third))
        // The second's completion ran first: acking it would ack the first, not yet known stored.
        #expect(acks.settle(b, committed: true) == nil)
        #expect(acks.settle(a, committed: true)?.streamSequence == 20)
        #expect(acks.settle(c, committed: true)?.streamSequence == 30)
        #expect(acks.interruption == nil)
    }

    @Test func aRedeliveredOlderMessageNeverLowersTheAck() throws {
        let acks = AckFloor(nextDelivery: 1)
        let first = deliveries(1...10)
        #expect(acks.settle(try acks.open(first), committed: true)?.streamSequence == 10)
        let redelivered = [message(stream: 3, delivery: 11)]
        #expect(acks.settle(try acks.open(redelivered), committed: true) == nil)
        // The highest in the batch is acked, wherever it came in it.
        let mixed = [message(stream: 11, delivery: 12), message(stream: 5, delivery: 13)]
        #expect(acks.settle(try acks.open(mixed), committed: true)?.streamSequence == 11)
        // A redelivery that kept its first delivery's number is no gap.
        let renumbered = [message(stream: 6, delivery: 6), message(stream: 12, delivery: 14)]
        #expect(acks.settle(try acks.open(renumbered), committed: true)?.streamSequence == 12)
    }

    @Test func aRefusedBatchStopsEveryLaterAck() throws {
        let acks = AckFloor(nextDelivery: 1)
        let (first, second, third) = (deliveries(1...10), deliveries(11...20), deliveries(21...30))
        let (a, b, c) = (try acks.open(first), try acks.open(second), try acks.open(third))
        #expect(acks.settle(a, committed: true)?.streamSequence == 10)
        #expect(acks.settle(b, committed: false) == nil)
        #expect(acks.settle(c, committed: true) == nil, "its ack would ack the refused batch")
        #expect(acks.interruption != nil)
        #expect(throws: AckFloor.Interruption.self) { try acks.open(deliveries(31...40)) }
    }

    @Test func aLostDeliveryStopsAcks() throws {
        let acks = AckFloor(nextDelivery: 5)
        let first = (5...9).map { message(stream: $0 + 100, delivery: $0) }
        let a = try acks.open(first)
        #expect(throws: AckFloor.Interruption.self) { try acks.open([message(stream: 111, delivery: 11)]) }
        #expect(acks.settle(a, committed: true) == nil)

        // Also before the first delivery read: it must carry the number the placement said.
        #expect(throws: AckFloor.Interruption.self) { try AckFloor(nextDelivery: 1).open(deliveries(3...4)) }
    }
}
