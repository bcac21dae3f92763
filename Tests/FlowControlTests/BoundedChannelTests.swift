import FlowControl
import Synchronization
import Testing

@Suite struct BoundedChannelTests {
    /// Elements arrive in order, then the end.
    @Test func deliversInOrderThenEnds() async throws {
        let (channel, sender) = BoundedChannel<Int, Never>.make(highWater: 4)
        let producer = Task {
            for value in 0..<100 { try await sender.send(value) }
            sender.finish()
        }
        var seen: [Int] = []
        for await value in channel { seen.append(value) }
        try await producer.value
        #expect(seen == Array(0..<100))
    }

    /// A producer that sends faster than the consumer reads waits at the high water mark:
    /// the buffer never holds more than the mark.
    @Test func sendWaitsAtHighWater() async throws {
        let (channel, sender) = BoundedChannel<Int, Never>.make(highWater: 8, lowWater: 2)
        let sent = Counter()
        let producer = Task {
            for value in 0..<1_000 {
                try await sender.send(value)
                sent.add()
            }
            sender.finish()
        }
        // Nobody reads yet: the producer stops once 8 are buffered.
        try await waitUntil { channel.level == 8 }
        try await Task.sleep(for: .milliseconds(50))
        #expect(channel.level == 8)
        #expect(sent.value == 7)  // the 8th send is the one waiting
        var maxLevel = 0
        var count = 0
        for await _ in channel {
            maxLevel = max(maxLevel, channel.level)
            count += 1
        }
        try await producer.value
        #expect(count == 1_000)
        #expect(maxLevel <= 8)
    }

    /// `offer` never waits; it says stop at the high water mark, and `whenDrained` calls back
    /// once the consumer has read down to the low water mark — the libcurl pause and resume.
    @Test func offerAndWhenDrained() async throws {
        let (channel, sender) = BoundedChannel<[UInt8], Never>.make(highWater: 100, lowWater: 30, weight: { $0.count })
        #expect(sender.offer(Array(repeating: 0, count: 60)))
        #expect(!sender.offer(Array(repeating: 1, count: 60)))  // 120 ≥ 100: stop
        let resumed = Flag()
        sender.whenDrained { resumed.set() }
        var iterator = channel.makeAsyncIterator()
        let first = await iterator.next()
        #expect(first?.first == 0)
        #expect(!resumed.value)  // 60 left: above the low mark
        _ = await iterator.next()
        #expect(resumed.value)
        // Below the low mark already: called at once.
        let again = Flag()
        sender.whenDrained { again.set() }
        #expect(again.value)
    }

    /// The consumer going (its iterator and the sequence dropped) terminates the channel: the
    /// waiting producer is released with `CancellationError` and `onTermination` runs.
    @Test func consumerGoneReleasesProducer() async throws {
        var channel: BoundedChannel<Int, Never>? = nil
        let sender: BoundedChannel<Int, Never>.Sender
        (channel, sender) = BoundedChannel<Int, Never>.make(highWater: 2)
        let terminated = Flag()
        sender.onTermination { terminated.set() }
        let producer = Task { () -> Bool in
            do {
                for value in 0... { try await sender.send(value) }
            } catch {
                return true
            }
            return false
        }
        try await waitUntil { channel?.level == 2 }
        channel = nil
        #expect(await producer.value)
        #expect(terminated.value)
        #expect(sender.isTerminated)
        #expect(!sender.offer(1))
    }

    /// A consuming task cancelled while it waits ends its loop and terminates the channel.
    @Test func cancelledConsumerTerminates() async throws {
        let (channel, sender) = BoundedChannel<Int, Never>.make(highWater: 2)
        let terminated = Flag()
        sender.onTermination { terminated.set() }
        let consumer = Task {
            var count = 0
            for await _ in channel { count += 1 }
            return count
        }
        _ = sender.offer(1)
        try await Task.sleep(for: .milliseconds(20))
        consumer.cancel()
        #expect(await consumer.value == 1)
        try await waitUntil { terminated.value }
    }

    /// A producer's error reaches the consumer after what was buffered before it, once.
    @Test func errorAfterBufferedElements() async throws {
        struct Broken: Error {}
        let channel = BoundedChannel<Int, any Error>.producing(highWater: 16) { sender in
            for value in 0..<3 { try await sender.send(value) }
            throw Broken()
        }
        var seen: [Int] = []
        var iterator = channel.makeAsyncIterator()
        await #expect(throws: Broken.self) {
            while let value = try await iterator.next() { seen.append(value) }
        }
        #expect(seen == [0, 1, 2])
        #expect(try await iterator.next() == nil)
    }

    /// `producing`'s task is cancelled when the consumer stops early.
    @Test func producingTaskCancelledWhenConsumerStops() async throws {
        let stopped = Flag()
        // The sequence lives only for the loop (as in `for await x in api.watch(…)`).
        func readUntilTen(_ channel: BoundedChannel<Int, Never>) async {
            for await value in channel where value == 10 { break }
        }
        await readUntilTen(BoundedChannel<Int, Never>.producing(highWater: 4) { sender in
            var value = 0
            while !Task.isCancelled {
                do { try await sender.send(value) } catch { break }
                value += 1
            }
            stopped.set()
        })
        try await waitUntil { stopped.value }
    }

    /// Many producers, one consumer: every element arrives once, the buffer stays bounded
    /// (by the mark plus one element per producer that was let in before it was reached).
    @Test func manyProducers() async throws {
        let (channel, sender) = BoundedChannel<Int, Never>.make(highWater: 16)
        let producers = Task {
            await withThrowingTaskGroup(of: Void.self) { group in
                for producer in 0..<8 {
                    group.addTask {
                        for value in 0..<500 { try await sender.send(producer * 1_000 + value) }
                    }
                }
                try? await group.waitForAll()
            }
            sender.finish()
        }
        var seen = Set<Int>()
        var maxLevel = 0
        for await value in channel {
            seen.insert(value)
            maxLevel = max(maxLevel, channel.level)
        }
        await producers.value
        #expect(seen.count == 4_000)
        #expect(maxLevel <= 16 + 8)
    }

    private func waitUntil(_ condition: () -> Bool) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(10)
        while !condition() {
            guard clock.now < deadline else {
                Issue.record("condition not met within 10 s")
                return
            }
            try await Task.sleep(for: .milliseconds(2))
        }
    }
}

/// A flag set from another task.
final class Flag: Sendable {
    private let state = Mutex(false)
    var value: Bool { state.withLock { $0 } }
    func set() { state.withLock { $0 = true } }
}

final class Counter: Sendable {
    private let state = Mutex(0)
    var value: Int { state.withLock { $0 } }
    func add() { state.withLock { $0 += 1 } }
}
