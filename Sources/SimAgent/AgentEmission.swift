import FlightdeckCore

/// One thing the agent publishes: a trace record (`logs.agent.<job>`) or a control event
/// (`events.agent.<job>`), as the protocol's JSON object. The channel is
/// `OperatorCommand.Channel`, so a NATS sink maps it to a subject with
/// `OperatorCommand.subject(_:forJob:)`.
public struct AgentEmission: Sendable, Hashable {
    public var channel: OperatorCommand.Channel
    public var payload: JSONValue

    public init(channel: OperatorCommand.Channel, payload: JSONValue) {
        self.channel = channel
        self.payload = payload
    }

    /// The payload as one line (no newline): compact JSON, except that a string payload is
    /// written as it is — a plain line, as a crashing program prints (`sim-agent: …`).
    public var line: String {
        if case .string(let text) = payload { return text }
        return payload.serialized
    }
}
