import Synchronization

/// At most `limit` units (messages) in flight: `acquire` waits, without blocking a thread,
/// until there is room; one acquisition larger than the limit goes through alone. How a
/// source keeps what it has read but not yet committed bounded — by messages, not by
/// batches, so small socket reads do not throttle it.
final class InFlightLimit: Sendable {
    private struct State {
        var inFlight = 0
        var waiters: [(units: Int, continuation: CheckedContinuation<Void, Never>)] = []
    }

    let limit: Int
    private let state = Mutex(State())

    init(_ limit: Int) {
        self.limit = max(1, limit)
    }

    var inFlight: Int { state.withLock { $0.inFlight } }
    var waiting: Int { state.withLock { $0.waiters.count } }

    func acquire(_ units: Int = 1) async {
        await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
            let ready = state.withLock { state -> Bool in
                if state.waiters.isEmpty, fits(units, state.inFlight) {
                    state.inFlight += units
                    return true
                }
                state.waiters.append((units, waiter))
                return false
            }
            if ready { waiter.resume() }
        }
    }

    func release(_ units: Int = 1) {
        let ready = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.inFlight -= units
            var ready: [CheckedContinuation<Void, Never>] = []
            // In order: a large waiter is not overtaken by small ones behind it.
            while let first = state.waiters.first, fits(first.units, state.inFlight) {
                state.waiters.removeFirst()
                state.inFlight += first.units
                ready.append(first.continuation)
            }
            return ready
        }
        for waiter in ready { waiter.resume() }
    }

    private func fits(_ units: Int, _ inFlight: Int) -> Bool {
        inFlight == 0 || inFlight + units <= limit
    }
}
