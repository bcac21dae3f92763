import AgentManifests
import FlightdeckCore
import HistoryStore
import KubeClient
import KubeModel
import NATSClient
import Orchestrator

/// What `flightdeck jobs delete|pin|cancel|steer|retry` do to one agent Job. Each returns the
/// line that confirms it (names made terminal-safe); a failure is one line naming the Job.
public struct JobActions: Sendable {
    public let api: KubeAPI
    public let namespace: String
    /// The kubeconfig context, recorded in history with a retry's new Job.
    public let context: String?
    /// Where commands reach the agents; `nil`: cancel deletes at once, steering is refused.
    public let nats: NATSConnection?

    public init(api: KubeAPI, namespace: String, context: String? = nil, nats: NATSConnection? = nil) {
        self.api = api
        self.namespace = namespace
        self.context = context
        self.nats = nats
    }

    private var actions: AgentActions {
        AgentActions(api: api, namespace: namespace, commands: nats.map(NATSCommandChannel.init(connection:)))
    }

    /// Deletes the Job; its pods, workspace claim and Secret follow. With `settings` holding
    /// the bus keys, the job's NATS user is revoked first (`BusRevocation`).
    public func delete(_ name: String, settings: ClusterSettings? = nil) async throws -> String {
        var revocation = BusRevocation.Outcome.none
        try await ClusterSync.report {
            if let settings {
                revocation = try await BusRevocation.revoke(jobName: name, api: api, namespace: namespace, settings: settings)
            }
            try await actions.delete(job: name)
        }
        let line = "job.batch/\(TerminalText.line(name)) deleted (its pods, workspace claim and Secret follow)"
        return switch revocation {
        case .none: line
        case .revoked: line + "; its NATS user is revoked"
        case .unknown(let reason):
            line + "; its NATS user is not revoked (\(TerminalText.line(reason))): its credentials work until they expire"
        case .recordedOnly(_, let reason):
            line + "; its NATS user is revoked in the keys, but the NATS server was not told (\(TerminalText.line(reason))): "
                + "`flightdeck install --apply` tells it"
        }
    }

    /// Keeps the finished Job for debugging (no `ttlSecondsAfterFinished`).
    public func pin(_ name: String) async throws -> String {
        try await ClusterSync.report { try await actions.pin(job: name) }
        return "job.batch/\(TerminalText.line(name)) pinned"
    }

    /// Asks the agent to stop (when NATS is there), waits up to `grace` for the Job to
    /// finish, then deletes it.
    public func cancel(_ name: String, grace: Duration) async throws -> String {
        try await ClusterSync.report {
            let job = try await api.get(Job.self, namespace: namespace, name: name)
            try await actions.cancel(job: name, jobID: JobProjection.jobID(job), grace: grace)
        }
        return "job.batch/\(TerminalText.line(name)) cancelled"
    }

    /// Sends `command` to the Job's agent over NATS.
    public func steer(_ name: String, _ command: OperatorCommand) async throws -> String {
        try await ClusterSync.report {
            let job = try await api.get(Job.self, namespace: namespace, name: name)
            try await actions.steer(jobID: JobProjection.jobID(job), command)
        }
        return "\(command.type) sent to \(TerminalText.line(name))"
    }

    /// Starts the task of the Job history knows as `name` again, as a new Job restoring the
    /// previous run's workspace snapshot; `prompt` replaces one history kept only redacted.
    public func retry(_ name: String, prompt: String?, settings: ClusterSettings, queues: QueueConfiguration,
        store: HistoryStore) async throws
        -> String
    {
        let namespace = namespace
        guard let previous = try await store.reading({
            try $0.jobs(JobQuery(namespace: namespace, name: name, limit: 1)).first
        }) else { throw OperatorError("history has no job \(TerminalText.line(name)) in \(namespace)") }
        var started = ""
        try await ClusterSync.report {
            started = try await TaskSubmission.retry(previous, prompt: prompt, api: api, context: context, settings: settings,
                queues: queues, store: store)
        }
        return "job.batch/\(TerminalText.line(started)) started: a retry of \(TerminalText.line(name)), "
            + "restoring from job \(TerminalText.line(previous.id))"
    }

    /// The command `jobs steer NAME WORD [TEXT…]` asks for: pause, resume, or instruct with
    /// the words that follow.
    public static func steering(_ word: String, text: [String]) throws -> OperatorCommand {
        switch word {
        case "pause": return .pause
        case "resume": return .resume
        case "instruct":
            guard !text.isEmpty else { throw OperatorError("instruct needs the instruction: jobs steer NAME instruct TEXT…") }
            return .instruct(text.joined(separator: " "))
        default:
            throw OperatorError("unknown steer command \(TerminalText.line(word)): expected pause, resume or instruct")
        }
    }
}
