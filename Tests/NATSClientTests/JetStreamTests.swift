import FlightdeckTestSupport
import Foundation
import Testing
@testable import NATSClient

/// JetStream against the real nats-server: the stream and durable consumer kept in place,
/// pulls that keep flowing, acks, redelivery of what was not acked, and a server restart.
@Suite(.timeLimit(.minutes(3)),
    .enabled(if: NATSServerProcess.executable != nil, "nats-server is not installed (apt-get install nats-server)"))
struct JetStreamTests {
    func connect(_ server: NATSServerProcess) async throws -> NATSConnection {
        let nats = NATSConnection(options: .init(servers: [NATSServerAddress(url: server.url)!],
            reconnectWait: .milliseconds(50), maxReconnectWait: .milliseconds(300)))
        try await nats.connect(timeout: .seconds(30))
        return nats
    }

    /// Publishes through JetStream: each waits for the stream's ack, and is retried (with a
    /// message id the stream de-duplicates on) across a server restart, so "published" means
    /// stored — a core publish sent while the restarted server is still recovering its
    /// streams would be dropped, and no consumer could be blamed for missing it.
    func publish(_ nats: NATSConnection, count: Int, from start: Int = 0) async throws {
        for index in start..<(start + count) {
            let job = index % 2 == 0 ? "a1" : "b2"
            let headers = NATSHeaders(fields: [("Nats-Msg-Id", "m\(index)")])
            let inbox = "_INBOX.pub\(index)." + String(Int.random(in: 0..<1_000_000))
            while true {
                do {
                    let subscription = try nats.subscribe(inbox)
                    defer { subscription.unsubscribe() }
                    try nats.publish("logs.agent.\(job)", payload: Array(#"{"seq":\#(index)}"#.utf8), headers: headers,
                        replyTo: inbox)
                    let acked = try await withThrowingTaskGroup(of: Bool.self) { group in
                        group.addTask {
                            for await reply in subscription { return String(decoding: reply.payload, as: UTF8.self).contains("\"seq\"") }
                            return false
                        }
                        group.addTask {
                            try await Task.sleep(for: .seconds(2))
                            return false
                        }
                        let first = try await group.next() ?? false
                        group.cancelAll()
                        return first
                    }
                    if acked { break }
                } catch {}
                try await Task.sleep(for: .milliseconds(50))
            }
        }
    }

    /// Reads until `count` distinct stream sequences arrived; acks them when `ack`.
    func consume(_ consumer: PullConsumer, count: Int, ack: Bool = true) async throws -> [UInt64: Int] {
        var seen: [UInt64: Int] = [:]
        for try await batch in consumer.batches() {
            for message in batch { seen[message.streamSequence, default: 0] += 1 }
            if ack { try consumer.ack(batch) }
            if seen.count >= count { break }
        }
        return seen
    }

    @Test func ensuresTheStreamOnceAndUpdatesItsLimits() async throws {
        let server = try await NATSServerProcess(jetStream: true)
        let nats = try await connect(server)
        let js = JetStream(connection: nats)
        #expect(try await js.streamInfo("FLIGHTDECK_TRACE") == nil)
        try await js.ensureStream(StreamConfig())
        try await js.ensureStream(StreamConfig())
        try await js.ensureStream(StreamConfig(maxBytes: 1 << 30))
        let info = try #require(try await js.streamInfo("FLIGHTDECK_TRACE"))
        #expect(info["config"]?["max_bytes"]?.int64Value == 1 << 30)
        #expect(info["config"]?["subjects"]?.arrayValue?.count == 2)
        #expect(try await js.ensureConsumer(stream: "FLIGHTDECK_TRACE", ConsumerConfig(durableName: "cockpit")))
        #expect(try await !js.ensureConsumer(stream: "FLIGHTDECK_TRACE", ConsumerConfig(durableName: "cockpit")))
        do {
            try await js.deleteConsumer(stream: "NOPE", name: "cockpit")
            Issue.record("expected an error")
        } catch let error as JetStreamError {
            #expect(error.errorCode == JetStreamError.streamNotFound, "\(error)")
        }
        await nats.close()
    }

    @Test func deliversEveryMessageOnceAcrossManyPullsAndResumesAfterAcks() async throws {
        let server = try await NATSServerProcess(jetStream: true)
        let nats = try await connect(server)
        let js = JetStream(connection: nats)
        try await js.ensureStream(StreamConfig(memoryStorage: true))
        try await js.ensureConsumer(stream: "FLIGHTDECK_TRACE", ConsumerConfig(durableName: "cockpit"))
        try await publish(nats, count: 5_000)
        let consumer = PullConsumer(jetStream: js, stream: "FLIGHTDECK_TRACE", consumer: "cockpit", batch: 300)
        let first = try await consume(consumer, count: 5_000)
        #expect(first.count == 5_000)
        #expect(first.values.allSatisfy { $0 == 1 })
        #expect(Set(first.keys) == Set(1...5_000))

        // A second reader of the same durable gets only what came after.
        try await nats.flush()
        try await publish(nats, count: 10, from: 5_000)
        let next = try await consume(consumer, count: 10)
        #expect(Set(next.keys) == Set(5_001...5_010))
        await nats.close()
    }

    @Test func redeliversWhatWasNotAcked() async throws {
        let server = try await NATSServerProcess(jetStream: true)
        let nats = try await connect(server)
        let js = JetStream(connection: nats)
        try await js.ensureStream(StreamConfig(memoryStorage: true))
        try await js.ensureConsumer(stream: "FLIGHTDECK_TRACE",
            ConsumerConfig(durableName: "cockpit", ackWait: .seconds(1)))
        try await publish(nats, count: 50)
        let consumer = PullConsumer(jetStream: js, stream: "FLIGHTDECK_TRACE", consumer: "cockpit", batch: 100)
        let unacked = try await consume(consumer, count: 50, ack: false)
        #expect(unacked.count == 50)
        var redelivered: [JetStreamMessage] = []
        for try await batch in consumer.batches() {
            redelivered += batch
            try consumer.ack(batch)
            if Set(redelivered.map(\.streamSequence)).count == 50 { break }
        }
        #expect(redelivered.allSatisfy { $0.deliveries >= 2 })
        await nats.close()
    }

    @Test func startsFromTheConfiguredPoint() async throws {
        let server = try await NATSServerProcess(jetStream: true)
        let nats = try await connect(server)
        let js = JetStream(connection: nats)
        try await js.ensureStream(StreamConfig(memoryStorage: true))
        try await publish(nats, count: 20)
        try await Task.sleep(for: .milliseconds(20))
        let cut = Date()
        try await Task.sleep(for: .milliseconds(20))
        try await publish(nats, count: 5, from: 20)
        try await js.ensureConsumer(stream: "FLIGHTDECK_TRACE",
            ConsumerConfig(durableName: "since", deliverPolicy: .since(cut)))
        let since = try await consume(PullConsumer(jetStream: js, stream: "FLIGHTDECK_TRACE", consumer: "since"), count: 5)
        #expect(Set(since.keys) == Set(21...25))

        try await js.ensureConsumer(stream: "FLIGHTDECK_TRACE", ConsumerConfig(durableName: "new", deliverPolicy: .new))
        try await publish(nats, count: 3, from: 25)
        let new = try await consume(PullConsumer(jetStream: js, stream: "FLIGHTDECK_TRACE", consumer: "new"), count: 3)
        #expect(Set(new.keys) == Set(26...28))
        await nats.close()
    }

    @Test func keepsPullingAcrossAServerRestart() async throws {
        let server = try await NATSServerProcess(jetStream: true)
        let nats = try await connect(server)
        let js = JetStream(connection: nats)
        try await js.ensureStream(StreamConfig())
        try await js.ensureConsumer(stream: "FLIGHTDECK_TRACE", ConsumerConfig(durableName: "cockpit", ackWait: .seconds(2)))
        try await publish(nats, count: 1_000)
        let consumer = PullConsumer(jetStream: js, stream: "FLIGHTDECK_TRACE", consumer: "cockpit", batch: 200,
            heartbeat: .milliseconds(500))
        var seen: Set<UInt64> = []
        var restarted = false
        for try await batch in consumer.batches() {
            try consumer.ack(batch)
            seen.formUnion(batch.map(\.streamSequence))
            if !restarted, seen.count >= 400 {
                restarted = true
                server.kill()
                try await server.start()
                try await eventually { if case .connected = nats.state { true } else { false } }
                try await publish(nats, count: 500, from: 1_000)
            }
            if seen.count >= 1_500 { break }
        }
        #expect(seen == Set(1...1_500))
        await nats.close()
    }

    /// Reads at least `count` messages without acking them (what a reader had in flight).
    func read(_ consumer: PullConsumer, count: Int) async throws -> [JetStreamMessage] {
        var received: [JetStreamMessage] = []
        for try await batch in consumer.batches() {
            received += batch
            if received.count >= count { break }
        }
        return received
    }

    /// The consumer's ack floor and unacked count as the server reports them.
    func acks(_ js: JetStream, _ name: String) async throws -> (floor: Int64, pending: Int64, policy: String?) {
        let info = try #require(try await js.consumerInfo(stream: "FLIGHTDECK_TRACE", name: name))
        return (info["ack_floor"]?["stream_seq"]?.int64Value ?? -1, info["num_ack_pending"]?.int64Value ?? -1,
            info["config"]?["ack_policy"]?.stringValue)
    }

    @Test func oneAckOfAnAckAllConsumerAcksEverythingUpToItsMessage() async throws {
        let server = try await NATSServerProcess(jetStream: true)
        let nats = try await connect(server)
        let js = JetStream(connection: nats)
        try await js.ensureStream(StreamConfig(memoryStorage: true))
        let placement = try await js.placeConsumer(stream: "FLIGHTDECK_TRACE",
            ConsumerConfig(durableName: "all", ackPolicy: .all, ackWait: .seconds(60)))
        #expect(placement == ConsumerPlacement(origin: .created, nextDelivery: 1))
        try await publish(nats, count: 100)
        let consumer = PullConsumer(jetStream: js, stream: "FLIGHTDECK_TRACE", consumer: "all", batch: 100)
        let received = try await read(consumer, count: 100)
        #expect(received.map(\.consumerSequence) == Array(1...100), "numbered one apart, from the placement's next")
        #expect(received.map(\.streamSequence) == Array(1...100))
        try consumer.ack(received[59])
        try await eventually { try await acks(js, "all").floor == 60 }
        let state = try await acks(js, "all")
        #expect(state.pending == 40 && state.policy == "all")
        await nats.close()
    }

    @Test func aConsumerWithAnotherAckPolicyIsMadeAgainAtItsAckFloor() async throws {
        let server = try await NATSServerProcess(jetStream: true)
        let nats = try await connect(server)
        let js = JetStream(connection: nats)
        try await js.ensureStream(StreamConfig(memoryStorage: true))
        // As an older Flightdeck made it: explicit acks, the first 40 and the 45th acked, the
        // rest up to 50 or more delivered and never acked.
        try await js.ensureConsumer(stream: "FLIGHTDECK_TRACE", ConsumerConfig(durableName: "cockpit", ackWait: .seconds(60)))
        try await publish(nats, count: 100)
        let older = PullConsumer(jetStream: js, stream: "FLIGHTDECK_TRACE", consumer: "cockpit", batch: 30)
        let inFlight = try await read(older, count: 50)
        try older.ack(inFlight.filter { $0.streamSequence <= 40 || $0.streamSequence == 45 })
        try await eventually { try await acks(js, "cockpit").floor == 40 }
        #expect(try await acks(js, "cockpit").policy == "explicit")

        let upgraded = ConsumerConfig(durableName: "cockpit", ackPolicy: .all, ackWait: .seconds(60))
        let placement = try await js.placeConsumer(stream: "FLIGHTDECK_TRACE", upgraded)
        #expect(placement == ConsumerPlacement(origin: .restarted(from: 41), nextDelivery: 1))
        #expect(try await acks(js, "cockpit").policy == "all")
        let consumer = PullConsumer(jetStream: js, stream: "FLIGHTDECK_TRACE", consumer: "cockpit", batch: 100)
        let again = try await read(consumer, count: 60)
        #expect(again.map(\.streamSequence) == Array(41...100), "what was acked stays acked; the rest comes again, in order")
        try consumer.ack(again[again.count - 1])
        try await eventually { try await acks(js, "cockpit").pending == 0 }
        // Made again once: from now on it keeps its place.
        #expect(try await js.placeConsumer(stream: "FLIGHTDECK_TRACE", upgraded).origin == .kept)
        #expect(try await !js.ensureConsumer(stream: "FLIGHTDECK_TRACE", upgraded))
        await nats.close()
    }

    @Test func unackedDeliveriesComeAgainFirstWhenAReaderAsks() async throws {
        let server = try await NATSServerProcess(jetStream: true)
        let nats = try await connect(server)
        let js = JetStream(connection: nats)
        try await js.ensureStream(StreamConfig(memoryStorage: true))
        let config = ConsumerConfig(durableName: "all", ackPolicy: .all, ackWait: .seconds(60))
        _ = try await js.placeConsumer(stream: "FLIGHTDECK_TRACE", config)
        try await publish(nats, count: 100)
        // A reader stopped with 50 or more read and only the first 20 acked.
        let stopped = PullConsumer(jetStream: js, stream: "FLIGHTDECK_TRACE", consumer: "all", batch: 50)
        let inFlight = try await read(stopped, count: 50)
        try stopped.ack(inFlight[19])
        try await eventually { try await acks(js, "all").floor == 20 }
        #expect(try await js.placeConsumer(stream: "FLIGHTDECK_TRACE", config).origin == .kept)
        let placement = try await js.placeConsumer(stream: "FLIGHTDECK_TRACE", config, restartUnacked: true)
        #expect(placement == ConsumerPlacement(origin: .restarted(from: 21), nextDelivery: 1))
        let consumer = PullConsumer(jetStream: js, stream: "FLIGHTDECK_TRACE", consumer: "all", batch: 100)
        let again = try await read(consumer, count: 80)
        #expect(again.map(\.streamSequence) == Array(21...100))
        #expect(again.map(\.consumerSequence) == Array(1...80))
        // All acked: the next reader keeps the consumer, and is told the number of its next delivery.
        try consumer.ack(again[79])
        try await eventually { try await acks(js, "all").pending == 0 }
        let kept = try await js.placeConsumer(stream: "FLIGHTDECK_TRACE", config, restartUnacked: true)
        #expect(kept == ConsumerPlacement(origin: .kept, nextDelivery: 81))
        try await publish(nats, count: 1, from: 100)
        let next = try await read(PullConsumer(jetStream: js, stream: "FLIGHTDECK_TRACE", consumer: "all"), count: 1)
        #expect(next.map(\.consumerSequence) == [81] && next.map(\.streamSequence) == [101])
        await nats.close()
    }

    @Test func readsBothAckSubjectForms() {
        let old = NATSMessage(subject: "logs.agent.a", sid: "1",
            replyTo: "$JS.ACK.FLIGHTDECK_TRACE.cockpit.2.731.700.1764400000123456789.12", payload: [])
        let message = try! #require(JetStreamMessage(old))
        #expect(message.stream == "FLIGHTDECK_TRACE" && message.streamSequence == 731 && message.deliveries == 2)
        #expect(message.consumerSequence == 700)
        #expect(message.pending == 12)
        #expect(abs(message.published.timeIntervalSince1970 - 1_764_400_000.123) < 0.001)
        let new = NATSMessage(subject: "x", sid: "1",
            replyTo: "$JS.ACK.hub.ACCHASH.FLIGHTDECK_TRACE.cockpit.1.9.8.1764400000000000000.0.tok", payload: [])
        #expect(JetStreamMessage(new)?.streamSequence == 9 && JetStreamMessage(new)?.consumerSequence == 8)
        #expect(JetStreamMessage(NATSMessage(subject: "x", sid: "1", replyTo: "_INBOX.abc", payload: [])) == nil)
        #expect(JetStreamMessage(NATSMessage(subject: "x", sid: "1", replyTo: "$JS.ACK.a.b.x.9.9.1.0", payload: [])) == nil)
        // Empty, signed, overlong or out-of-range numbers, and too few tokens, are not deliveries.
        for reply in ["$JS.ACK.S.c.1..9.1.0", "$JS.ACK.S.c.1.-9.9.1.0", "$JS.ACK.S.c.1.99999999999999999999.9.1.0", "$JS.ACK.S.c.1.18446744073709551616.9.1.0",
            "$JS.ACK.S.c.1.9.9.1", "$JS.ACK.S.c.1.9.9.1.0.x.y", "$JS.ACK."]
        {
            #expect(JetStreamMessage(NATSMessage(subject: "x", sid: "1", replyTo: reply, payload: [])) == nil, "\(reply)")
        }
        let largest = NATSMessage(subject: "x", sid: "1", replyTo: "$JS.ACK.S.c.1.18446744073709551615.9.1.0", payload: [])
        #expect(JetStreamMessage(largest)?.streamSequence == UInt64.max)
    }
}
