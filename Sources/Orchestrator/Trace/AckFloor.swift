import NATSClient
import Synchronization

/// Which message to ack, once per committed batch, for a consumer with `AckPolicy.all`: an
/// ack of a message acks every message up to it in the stream, so it may go out only when
/// everything delivered up to it is stored (or deliberately dropped).
///
/// - Batches settle in the writer's order, but their completions may run on different
///   threads: an ack covers only the prefix of batches settled so far, and names the
///   highest stream sequence in it.
/// - A batch the store refused stops all further acks: a later ack would cover it. The
///   reader then starts again (`Interruption`), which makes the consumer deliver again
///   from its ack floor (`JetStream.placeConsumer(restartUnacked:)`); the store takes the
///   redelivered records it already has as duplicates.
/// - A gap in the consumer's delivery numbers is a delivery lost on the way (a dropped
///   connection, a pull request left over from an earlier reader): acking past it would
///   ack it unread, so that stops acks too.
///
/// It holds one entry per batch in flight, which the reader bounds (`InFlightLimit`).
final class AckFloor: Sendable {
    /// Why no more acks may go out: the reader must start again from the ack floor.
    struct Interruption: Error, Sendable, CustomStringConvertible {
        var description: String
    }

    private struct State {
        var nextDelivery: UInt64
        var opened = 0
        /// Batches before this one are committed and counted in `highest`.
        var prefix = 0
        /// Batches settled after a gap in the prefix, with their highest message.
        var settledAhead: [Int: JetStreamMessage?] = [:]
        var highest: JetStreamMessage?
        var acked: UInt64 = 0
        var interruption: Interruption?
    }

    private let state: Mutex<State>

    /// - Parameter nextDelivery: the consumer sequence the first delivery read will carry.
    init(nextDelivery: UInt64) {
        state = Mutex(State(nextDelivery: nextDelivery))
    }

    /// Set once no more acks may go out.
    var interruption: Interruption? { state.withLock { $0.interruption } }

    /// A batch as `open` numbered it, with its highest message (found on the reader's
    /// thread, so the writer's completion only compares numbers).
    struct Ticket: Sendable {
        fileprivate let index: Int
        fileprivate let top: JetStreamMessage?
    }

    /// Numbers a batch as it is read, in reading order; throws when deliveries were lost
    /// before or within it (nothing of it may be acked then).
    func open(_ batch: [JetStreamMessage]) throws(Interruption) -> Ticket {
        var top: Int?
        for index in batch.indices where batch[index].streamSequence > top.map({ batch[$0].streamSequence }) ?? 0 {
            top = index
        }
        let index = try state.withLock { (state: inout State) throws(Interruption) -> Int in
            if let interruption = state.interruption { throw interruption }
            for index in batch.indices {
                let delivery = batch[index].consumerSequence
                if delivery > state.nextDelivery {
                    let lost = Interruption(description: "JetStream deliveries \(state.nextDelivery)"
                        + "–\(delivery - 1) did not arrive; reading again from the ack floor")
                    state.interruption = lost
                    throw lost
                }
                // Lower: a redelivery that kept the number of its first delivery.
                if delivery == state.nextDelivery { state.nextDelivery += 1 }
            }
            state.opened += 1
            return state.opened - 1
        }
        return Ticket(index: index, top: top.map { batch[$0] })
    }

    /// Records how a batch ended; returns the message to ack, if the stored prefix grew past
    /// what was acked.
    func settle(_ ticket: Ticket, committed: Bool) -> JetStreamMessage? {
        state.withLock { state -> JetStreamMessage? in
            guard state.interruption == nil else { return nil }
            guard committed else {
                state.interruption = Interruption(description: "a batch was not stored; reading again from the ack floor")
                return nil
            }
            state.settledAhead[ticket.index] = .some(ticket.top)
            while let settled = state.settledAhead.removeValue(forKey: state.prefix) {
                state.prefix += 1
                if let settled, settled.streamSequence > state.highest?.streamSequence ?? 0 { state.highest = settled }
            }
            guard let highest = state.highest, highest.streamSequence > state.acked else { return nil }
            state.acked = highest.streamSequence
            return highest
        }
    }
}
