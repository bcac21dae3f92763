@testable import Orchestrator
import Testing

/// The bound on what a source has read but not committed: by messages, in order.
@Suite struct InFlightLimitTests {
    @Test func waitsForRoomAndLetsWaitersInInOrder() async throws {
        let limit = InFlightLimit(100)
        await limit.acquire(60)
        await limit.acquire(40)
        #expect(limit.inFlight == 100)
        let order = OrderLog()
        let big = Task { await limit.acquire(70); await order.add("big") }
        while limit.waiting < 1 { try await Task.sleep(for: .milliseconds(2)) }
        let small = Task { await limit.acquire(10); await order.add("small") }
        while limit.waiting < 2 { try await Task.sleep(for: .milliseconds(2)) }
        #expect(await order.entries.isEmpty, "nothing fits while 100 are in flight")
        limit.release(40)  // 60 in flight: 70 does not fit, and 10 must not overtake it
        #expect(limit.waiting == 2)
        #expect(limit.inFlight == 60)
        limit.release(60)  // empty: the big one goes, then the small one fits beside it
        await big.value
        await small.value
        #expect(await order.entries == ["big", "small"])
        #expect(limit.inFlight == 80)
    }

    @Test func oneAcquisitionLargerThanTheLimitGoesThroughAlone() async {
        let limit = InFlightLimit(10)
        await limit.acquire(25)
        #expect(limit.inFlight == 25)
        limit.release(25)
        #expect(limit.inFlight == 0)
    }
}

actor OrderLog {
    var entries: [String] = []
    var count: Int { entries.count }
    func add(_ entry: String) { entries.append(entry) }
}
