import FlightdeckCore
import Foundation
import KubeClient
import KubeModel

/// The operator's actions on one agent Job, as the cockpit and the headless commands run
/// them. Read-only mode refuses every mutation here, whatever the caller checked.
public struct AgentActions: Sendable {
    public let api: KubeAPI
    public let namespace: String
    public let readOnly: Bool
    public let commands: (any CommandChannel)?

    public init(api: KubeAPI, namespace: String, readOnly: Bool = false, commands: (any CommandChannel)? = nil) {
        self.api = api
        self.namespace = namespace
        self.readOnly = readOnly
        self.commands = commands
    }

    /// Why an action was refused before reaching the cluster.
    public struct Refused: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// Deletes the Job with Background propagation: pods, claim and Secret follow.
    public func delete(job name: String) async throws {
        try refuseIfReadOnly(.delete, name)
        try await api.delete(.jobs, namespace: namespace, name: name, options: DeleteOptions(propagationPolicy: .background))
    }

    /// Keeps the Job after it finishes: removes `ttlSecondsAfterFinished` and marks it.
    public func pin(job name: String) async throws {
        try refuseIfReadOnly(.pin, name)
        _ = try await api.patch(.jobs, namespace: namespace, name: name, [
            "metadata": ["annotations": ["flightdeck.dev/pinned": "true"]],
            "spec": ["ttlSecondsAfterFinished": .null],
        ])
    }

    /// Pause, resume or instruct the running agent.
    public func steer(jobID: String, _ command: OperatorCommand) async throws {
        guard let commands else {
            throw Refused(description: "cannot steer \(jobID): no command channel (NATS is not configured)")
        }
        try await commands.send(command, toJob: jobID)
    }

    /// Asks the agent to stop (it finishes its step and saves its checkpoint), waits up to
    /// `grace` for the Job to finish, then deletes it.
    public func cancel(job name: String, jobID: String, grace: Duration = .seconds(30)) async throws {
        try refuseIfReadOnly(.cancel, name)
        if let commands { try? await commands.send(.cancel, toJob: jobID) }
        let deadline = ContinuousClock.now + grace
        while ContinuousClock.now < deadline {
            let job = Job(json: try await api.get(.jobs, namespace: namespace, name: name))
            if job.isFinished { break }
            try await Task.sleep(for: .milliseconds(250))
        }
        try await delete(job: name)
    }

    private func refuseIfReadOnly(_ action: AgentAction, _ name: String) throws {
        if readOnly { throw Refused(description: "read-only mode: not going to \(action.rawValue) \(name)") }
    }
}
