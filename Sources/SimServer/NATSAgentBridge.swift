import FlightdeckCore
import Foundation
import NATSClient
import SimAgent
import SimCluster

/// Connects the simulated agents to a real NATS server, as the real ones are: what they
/// emit goes to `logs.agent.<id>` and `events.agent.<id>`, and what operators publish on
/// `cmd.agent.<id>` reaches the agent of that job (through the kubelet's command bus).
public final class NATSAgentBridge: Sendable {
    public let connection: NATSConnection

    public init(url: String) throws {
        guard let address = NATSServerAddress(url: url) else { throw NATSError.invalidSubject(url) }
        connection = NATSConnection(options: .init(servers: [address], name: "flightdeck-sim"))
    }

    /// Connects (waiting up to `timeout` for the first connection; generous, because a
    /// machine busy starting a whole cluster can be slow to get to it).
    public func start(timeout: Duration = .seconds(60)) async throws {
        try await connection.connect(timeout: timeout)
    }

    /// The sink one agent publishes through.
    public func sink(forJob jobID: String) -> (any TraceSink)? {
        guard OperatorCommand.isValidJobID(jobID) else { return nil }
        return Publisher(connection: connection, jobID: jobID)
    }

    struct Publisher: TraceSink {
        let connection: NATSConnection
        let jobID: String

        func emit(_ emission: AgentEmission) {
            guard let subject = OperatorCommand.subject(emission.channel, forJob: jobID) else { return }
            // Never waits: while NATS is away the connection holds what it can.
            try? connection.publish(subject, payload: Array(emission.line.utf8))
        }
    }

    /// Forwards `cmd.agent.<id>` messages to the agents until cancelled.
    public func forwardCommands(to bus: CommandBus) throws -> Task<Void, Never> {
        let subscription = try connection.subscribe("cmd.agent.*")
        return Task {
            for await message in subscription {
                guard let jobID = message.subject.split(separator: ".").last.map(String.init),
                    let command = OperatorCommand(payload: message.payload)
                else { continue }
                _ = bus.publish(command, toJob: jobID)
            }
        }
    }

    public func stop() async { await connection.close() }
}
