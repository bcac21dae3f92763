/// The names on Flightdeck's message bus besides a job's three subjects (`OperatorCommand`):
/// one place, shared by the manifests that tell an agent where to look, the permissions its
/// user gets, and the operator's side that makes them.
public enum BusNames {
    /// The stream that keeps every agent's trace and events (`logs.agent.>`, `events.agent.>`).
    public static let traceStream = "FLIGHTDECK_TRACE"
    /// The work-queue stream of operator commands (`cmd.agent.>`).
    public static let commandStream = "FLIGHTDECK_COMMANDS"

    /// The durable consumer through which job `jobID` takes its commands.
    public static func commandConsumer(forJob jobID: String) -> String { "cmd-\(jobID)" }

    /// Where job `jobID`'s replies come back (JetStream acks, pulls): the only inboxes its
    /// user may subscribe to.
    public static func inboxPrefix(forJob jobID: String) -> String { "_INBOX.\(jobID)" }
}
