import FlightdeckCore

/// Operator commands over JetStream, so one sent while an agent is down or restarting
/// reaches it when it is back: a work-queue stream over `cmd.agent.>`, and per job a durable
/// pull consumer filtered to its own subject, which the agent reads and acks. The operator's
/// side makes both (at submit, and again before each command); an agent only reads its own.
public enum CommandStream {
    public static let name = BusNames.commandStream

    /// Commands wait up to a week for their agent; a retried publish within 10 minutes is
    /// dropped by its `Nats-Msg-Id`.
    public static var config: StreamConfig {
        StreamConfig(name: name, subjects: ["cmd.agent.>"], maxAge: .seconds(7 * 86_400), maxBytes: 256 << 20,
            maxMessageSize: 1 << 20, retention: .workQueue, duplicateWindow: .seconds(600))
    }

    public static func consumerName(forJob jobID: String) -> String { BusNames.commandConsumer(forJob: jobID) }

    /// The job's consumer: everything for it from the start, each command acked on its own,
    /// redelivered 30 s after a delivery nobody acked.
    public static func consumer(forJob jobID: String) -> ConsumerConfig? {
        guard let subject = OperatorCommand.subject(.commands, forJob: jobID) else { return nil }
        return ConsumerConfig(durableName: consumerName(forJob: jobID), deliverPolicy: .all, ackPolicy: .explicit,
            ackWait: .seconds(30), maxAckPending: 64, filterSubject: subject)
    }

    /// Makes the stream and the job's consumer unless they exist (idempotent).
    public static func prepare(forJob jobID: String, on jetStream: JetStream) async throws {
        guard let consumer = consumer(forJob: jobID) else { throw NATSError.invalidSubject("cmd.agent.\(jobID)") }
        _ = try await jetStream.ensureStream(config)
        _ = try await jetStream.ensureConsumer(stream: name, consumer)
    }

    /// Sends `command` to job `jobID` and returns once the stream holds it.
    public static func send(_ command: IssuedCommand, toJob jobID: String, on jetStream: JetStream) async throws {
        guard let subject = OperatorCommand.subject(.commands, forJob: jobID) else {
            throw NATSError.invalidSubject("cmd.agent.\(jobID)")
        }
        try await prepare(forJob: jobID, on: jetStream)
        _ = try await jetStream.publish(subject, payload: command.payload, messageID: command.id)
    }
}
