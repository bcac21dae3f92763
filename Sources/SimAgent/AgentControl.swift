import FlightdeckCore
import Synchronization

/// What the outside world has asked of a running agent: operator commands (pause, resume,
/// cancel, instruct) and the container runtime's termination signal (SIGTERM).
///
/// The agent reads it between steps; whoever delivers (a `CommandSource` pump, a test, the
/// kubelet) only sets state and signals, so delivery never waits on the agent.
///
/// A delivery's acknowledgement is held until the command has taken effect for good: an
/// instruction once the checkpoint that quotes it is saved, a cancel once the agent stops.
/// Until then a crash leaves it unacknowledged, and the bus delivers it again.
public final class AgentControl: Sendable {
    public struct State: Sendable, Hashable {
        public var paused = false
        public var cancelRequested = false
        public var terminateRequested = false
        /// Instructions not yet taken into a STRATEGIC thought, oldest first.
        public var pendingInstructions: [String] = []
    }

    /// An instruction waiting for the next STRATEGIC step, with what confirms it.
    public struct PendingInstruction: Sendable {
        public var id: String?
        public var text: String
        public var acknowledge: @Sendable () -> Void
    }

    private struct Inner {
        var state = State()
        var instructions: [PendingInstruction] = []
        var cancelAcknowledgements: [@Sendable () -> Void] = []
        /// Ids of instructions held now (a redelivery before the step takes them).
        var heldIDs: Set<String> = []
    }

    private let inner = Mutex(Inner())
    /// Signalled on every change.
    public let changes = ChangeSignal()

    public init() {}

    public var current: State { inner.withLock { $0.state } }

    /// Applies an operator command. `resume` also clears a pause that has not taken effect yet.
    public func apply(_ command: OperatorCommand) {
        apply(CommandDelivery(IssuedCommand(command, id: nil)))
    }

    /// Applies a delivered command; pause and resume are acknowledged at once, an instruction
    /// and a cancel once they took effect (see the type's note).
    public func apply(_ delivery: CommandDelivery) {
        let acknowledgeNow = inner.withLock { inner -> Bool in
            switch delivery.issued.command {
            case .pause:
                inner.state.paused = true
                return true
            case .resume:
                inner.state.paused = false
                return true
            case .cancel:
                inner.state.cancelRequested = true
                inner.cancelAcknowledgements.append(delivery.acknowledge)
                return false
            case .instruct(let text):
                if let id = delivery.issued.id, !inner.heldIDs.insert(id).inserted { return true }
                inner.state.pendingInstructions.append(text)
                inner.instructions.append(PendingInstruction(id: delivery.issued.id, text: text,
                    acknowledge: delivery.acknowledge))
                return false
            }
        }
        if acknowledgeNow { delivery.acknowledge() }
        changes.signal()
    }

    /// SIGTERM: finish the current step, checkpoint, exit.
    public func terminate() {
        inner.withLock { $0.state.terminateRequested = true }
        changes.signal()
    }

    /// Takes the pending instructions (the next STRATEGIC thought quotes them).
    public func takeInstructions() -> [String] { takePendingInstructions().map(\.text) }

    /// Takes the pending instructions with their ids and acknowledgements: the caller
    /// acknowledges each once it is saved.
    public func takePendingInstructions() -> [PendingInstruction] {
        inner.withLock { inner in
            defer {
                inner.instructions.removeAll()
                inner.state.pendingInstructions.removeAll()
                inner.heldIDs.removeAll()
            }
            return inner.instructions
        }
    }

    /// Confirms the cancels received: the agent is stopping with its checkpoint saved.
    public func acknowledgeCancel() {
        let acknowledgements = inner.withLock { inner in
            defer { inner.cancelAcknowledgements.removeAll() }
            return inner.cancelAcknowledgements
        }
        for acknowledge in acknowledgements { acknowledge() }
    }
}
