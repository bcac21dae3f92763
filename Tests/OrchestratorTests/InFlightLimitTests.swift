@testable import Orchestrator
import Testing

/// The bound on what a source has read but not committed: by messages, in order.
@Suite struct InFlightLimitTests {
    @Test func waitsForRoomAndLetsWaitersInInOrder() async throws {
        let limit = InFlightLimit(100)
        await limit.acquire(60)
        await limit.acquire(40)
        #expect(limit.inFlight == 100)
        let big = Task { await limit.acquire(70) }
        while limit.waiting < 1 { try await Task.sleep(for: .milliseconds(2)) }
        let small = Task { await limit.acquire(40) }
        while limit.waiting < 2 { try await Task.sleep(for: .milliseconds(2)) }
        limit.release(40)  // 60 in flight: 70 does not fit, and 40 (which would) must not overtake it
        #expect(limit.waiting == 2)
        #expect(limit.inFlight == 60)
        limit.release(60)  // empty: the big one goes; the small one does not fit beside it
        await big.value
        #expect(limit.inFlight == 70)
        #expect(limit.waiting == 1, "the small one still waits: it came second")
        limit.release(70)
        await small.value
        #expect(limit.inFlight == 40)
        #expect(limit.waiting == 0)
    }

    @Test func oneAcquisitionLargerThanTheLimitGoesThroughAlone() async {
        let limit = InFlightLimit(10)
        await limit.acquire(25)
        #expect(limit.inFlight == 25)
        limit.release(25)
        #expect(limit.inFlight == 0)
    }
}
