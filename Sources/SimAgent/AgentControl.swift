import FlightdeckCore
import Synchronization

/// What the outside world has asked of a running agent: operator commands (pause, resume,
/// cancel, instruct) and the container runtime's termination signal (SIGTERM).
///
/// The agent reads it between steps; whoever delivers (a `CommandSource` pump, a test, the
/// kubelet) only sets state and signals, so delivery never waits on the agent.
public final class AgentControl: Sendable {
    public struct State: Sendable, Hashable {
        public var paused = false
        public var cancelRequested = false
        public var terminateRequested = false
        /// Instructions not yet taken into a STRATEGIC thought, oldest first.
        public var pendingInstructions: [String] = []
    }

    private let state = Mutex(State())
    /// Signalled on every change.
    public let changes = ChangeSignal()

    public init() {}

    public var current: State { state.withLock { $0 } }

    /// Applies an operator command. `resume` also clears a pause that has not taken effect yet.
    public func apply(_ command: OperatorCommand) {
        state.withLock { state in
            switch command {
            case .pause: state.paused = true
            case .resume: state.paused = false
            case .cancel: state.cancelRequested = true
            case .instruct(let text): state.pendingInstructions.append(text)
            }
        }
        changes.signal()
    }

    /// SIGTERM: finish the current step, checkpoint, exit.
    public func terminate() {
        state.withLock { $0.terminateRequested = true }
        changes.signal()
    }

    /// Takes the pending instructions (the next STRATEGIC thought quotes them).
    public func takeInstructions() -> [String] {
        state.withLock { state in
            defer { state.pendingInstructions.removeAll() }
            return state.pendingInstructions
        }
    }
}
