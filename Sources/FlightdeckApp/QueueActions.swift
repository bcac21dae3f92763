import AgentManifests
import FlightdeckCore
import Foundation
import KubeClient
import KubeModel
import Orchestrator

/// An operator's change to a queued Job — its priority, its queue, or starting it now — the
/// same from `flightdeck queue priority|move|start` and the cockpit's keys: the Job is read,
/// must still be queued, and is patched on the version read, so one started meanwhile is told,
/// not changed.
public struct QueueActions: Sendable {
    public let api: KubeAPI
    public let namespace: String
    public let queues: QueueConfiguration

    public init(api: KubeAPI, namespace: String, queues: QueueConfiguration) {
        self.api = api
        self.namespace = namespace
        self.queues = queues
    }

    /// Applies `change` to the queued Job `name`; returns the line saying what was done.
    public func apply(_ change: QueueChange, to name: String) async throws -> String {
        let shown = TerminalText.line(name)
        if case .queue(let queue) = change, queues.queue(named: queue) == nil {
            throw OperatorError("queue \"\(TerminalText.line(queue))\" is not configured (\(queues.names))")
        }
        let job: Job
        do {
            job = try await api.get(Job.self, namespace: namespace, name: name)
        } catch let error as APIError where error.code == 404 {
            throw OperatorError("no Job \(shown) in \(namespace)")
        }
        guard JobProjection.status(of: job) == .queued else {
            throw OperatorError("\(shown) is not waiting in a queue (it is \(JobProjection.status(of: job).rawValue))")
        }
        let mode = try await KueueDiscovery.mode(queues, api: api)
        let patch: JSONValue
        do {
            patch = try change.patch(mode: mode, resourceVersion: job.metadata.resourceVersion)
        } catch let refusal as QueueChange.Refusal {
            throw OperatorError("\(shown): \(refusal)")
        }
        do {
            _ = try await api.patch(.jobs, namespace: namespace, name: name, patch, kind: .merge)
        } catch let error as APIError where error.code == 409 {
            throw OperatorError("\(shown) changed meanwhile (started, moved or re-prioritised): look again")
        }
        return switch change {
        case .priority(let priority): "job.batch/\(shown) priority \(priority.rawValue)"
        case .queue(let queue): "job.batch/\(shown) moved to queue \(TerminalText.line(queue))"
        case .startNow: "job.batch/\(shown) started ahead of its queue"
        }
    }
}
