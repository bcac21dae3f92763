import FlightdeckCore

/// Where operator commands go: `cmd.agent.<id>` on NATS in a real deployment; the
/// simulated cluster's in-process bus in the demo.
public protocol CommandChannel: Sendable {
    /// Sends `command` to the agent of `jobID`; throws when it cannot be sent.
    func send(_ command: OperatorCommand, toJob jobID: String) async throws
}
