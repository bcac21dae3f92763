import FlightdeckCore
import Synchronization

/// One command as a source hands it over: the command with its id, and how to confirm it
/// (a JetStream ack; nothing for a bus without redelivery).
public struct CommandDelivery: Sendable {
    public var issued: IssuedCommand
    public var acknowledge: @Sendable () -> Void

    public init(_ issued: IssuedCommand, acknowledge: @escaping @Sendable () -> Void = {}) {
        self.issued = issued
        self.acknowledge = acknowledge
    }
}

/// Where a simulated agent gets its operator commands from: `cmd.agent.<job>`.
public protocol CommandSource: Sendable {
    /// Commands for `jobID` from now on, until the stream is dropped.
    func commands(forJob jobID: String) -> AsyncStream<CommandDelivery>
}

/// An in-process stand-in for NATS core subjects `cmd.agent.<job>`: publishing reaches the
/// agents subscribed at that moment, and nobody else (like NATS without JetStream, a command
/// sent while no agent runs is lost — `publish` says how many received it).
public final class CommandBus: CommandSource {
    private struct State {
        var nextID = 0
        var subscribers: [String: [Int: AsyncStream<CommandDelivery>.Continuation]] = [:]
    }

    private let state = Mutex(State())

    public init() {}

    public func commands(forJob jobID: String) -> AsyncStream<CommandDelivery> {
        let (stream, continuation) = AsyncStream<CommandDelivery>.makeStream()
        let id = state.withLock { state -> Int in
            defer { state.nextID += 1 }
            state.subscribers[jobID, default: [:]][state.nextID] = continuation
            return state.nextID
        }
        continuation.onTermination = { [weak self] _ in
            self?.state.withLock { state in
                state.subscribers[jobID]?.removeValue(forKey: id)
                if state.subscribers[jobID]?.isEmpty == true { state.subscribers.removeValue(forKey: jobID) }
            }
        }
        return stream
    }

    /// Delivers `command` to every current subscriber of `jobID`; returns how many.
    @discardableResult
    public func publish(_ command: OperatorCommand, toJob jobID: String) -> Int {
        let targets = state.withLock { Array(($0.subscribers[jobID] ?? [:]).values) }
        for target in targets { target.yield(CommandDelivery(IssuedCommand(command, id: nil))) }
        return targets.count
    }

    /// How many agents listen for `jobID` (tests wait for an agent to be listening).
    public func subscriberCount(forJob jobID: String) -> Int {
        state.withLock { $0.subscribers[jobID]?.count ?? 0 }
    }
}
