/// A simulated agent's connection to the message bus, as its pod makes it: where what it
/// emits goes besides its log, where its operator commands come from, and how it hangs up
/// when the agent exits.
public struct AgentBusLink: Sendable {
    public var sink: any TraceSink
    /// `nil`: the kubelet's in-process command bus.
    public var commands: (any CommandSource)?
    public var close: @Sendable () async -> Void

    public init(sink: any TraceSink, commands: (any CommandSource)? = nil, close: @escaping @Sendable () async -> Void = {}) {
        self.sink = sink
        self.commands = commands
        self.close = close
    }
}

/// What the pod gives its agent to connect with: the job, the container's environment
/// (`NATS_URL`, `NATS_CREDS_FILE`, …), and how container paths map to files on this host.
public struct AgentBusRequest: Sendable {
    public var jobID: String
    public var environment: [String: String]
    public var resolvePath: @Sendable (String) -> String

    public init(jobID: String, environment: [String: String], resolvePath: @escaping @Sendable (String) -> String) {
        self.jobID = jobID
        self.environment = environment
        self.resolvePath = resolvePath
    }
}
