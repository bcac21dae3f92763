import FlightdeckCore
import NATSClient

/// Operator commands over JetStream (`CommandStream`): each gets an id, goes into the job's
/// queue, and is confirmed once the stream holds it — so it reaches an agent that is down or
/// restarting when it comes back, once.
public struct NATSCommandChannel: CommandChannel {
    public let connection: NATSConnection

    public init(connection: NATSConnection) { self.connection = connection }

    public func send(_ command: OperatorCommand, toJob jobID: String) async throws {
        try await CommandStream.send(.issue(command), toJob: jobID, on: JetStream(connection: connection))
    }

    /// Makes the job's command queue before its agent starts (the submit flow), so the agent
    /// finds it at once.
    public func prepare(forJob jobID: String) async throws {
        try await CommandStream.prepare(forJob: jobID, on: JetStream(connection: connection))
    }
}
