import FlightdeckCore
import NATSClient

/// Operator commands over NATS: `cmd.agent.<id>`, as the agents subscribe to them.
public struct NATSCommandChannel: CommandChannel {
    public let connection: NATSConnection

    public init(connection: NATSConnection) { self.connection = connection }

    public func send(_ command: OperatorCommand, toJob jobID: String) async throws {
        guard let subject = OperatorCommand.subject(.commands, forJob: jobID) else {
            throw NATSError.invalidSubject("cmd.agent.\(jobID)")
        }
        try connection.publish(subject, payload: command.payload)
        try await connection.flush(timeout: .seconds(5))
    }
}
