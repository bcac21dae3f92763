import AgentManifests
import FlightdeckCore
import Foundation
import HistoryStore
import Orchestrator

/// The cockpit's actions over HTTP (`flightdeck serve --allow-actions`): cancel, steer and
/// retry, each refused with the reason when this identity may not take it (the same
/// SelfSubjectAccessReviews the cockpit asks at start) or when the body is not understood.
public struct ServeActions: Sendable {
    /// The paths' last segment: `POST /api/jobs/{job}/cancel` and so on.
    public static let names: Set<String> = ["cancel", "steer", "retry"]

    public let actions: JobActions
    public let capabilities: Capabilities
    public let settings: ClusterSettings
    public let queues: QueueConfiguration
    public let store: HistoryStore

    public init(actions: JobActions, capabilities: Capabilities, settings: ClusterSettings, queues: QueueConfiguration,
        store: HistoryStore)
    {
        self.actions = actions
        self.capabilities = capabilities
        self.settings = settings
        self.queues = queues
        self.store = store
    }

    /// Runs action `name` on `job`: `(200, what happened)`, or a status and one line.
    ///
    /// Bodies (JSON objects, all optional but steer's): cancel `{"grace": seconds}`, steer
    /// `{"command": "pause"|"resume"|"instruct", "text": "…"}`, retry `{"prompt": "…"}`.
    public func perform(_ name: String, on job: AgentJob, body: [UInt8]) async -> (status: Int, message: String) {
        guard let action = AgentAction(rawValue: name), Self.names.contains(name) else {
            return (404, "no action \(TerminalText.line(name))")
        }
        if let reason = capabilities.unavailable[action] { return (403, "\(name) is unavailable: \(reason)") }
        let fields: JSONValue
        if body.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            fields = .object([])
        } else {
            guard let parsed = try? JSONParser(maxDepth: 4).parse(body), parsed.members != nil else {
                return (400, "the body is not a JSON object")
            }
            fields = parsed
        }
        do {
            switch action {
            case .cancel:
                var grace = 30
                if let value = fields["grace"] {
                    guard let seconds = value.int64Value, (0...3600).contains(seconds) else {
                        return (400, "grace: expected whole seconds from 0 to 3600")
                    }
                    grace = Int(seconds)
                }
                return (200, try await actions.cancel(job.name, grace: .seconds(grace)))
            case .steer:
                guard let word = fields["command"]?.stringValue else {
                    return (400, "command: expected pause, resume or instruct")
                }
                let text = fields["text"]?.stringValue.map { [$0] } ?? []
                let command: OperatorCommand
                do { command = try JobActions.steering(word, text: text) } catch {
                    return (400, (error as? OperatorError)?.message ?? "command: expected pause, resume or instruct")
                }
                return (200, try await actions.steer(job.name, command))
            case .retry:
                if let value = fields["prompt"], value.stringValue == nil { return (400, "prompt: expected a string") }
                return (200, try await actions.retry(job.name, prompt: fields["prompt"]?.stringValue, settings: settings,
                    queues: queues, store: store))
            default:
                return (404, "no action \(name)")
            }
        } catch let error as OperatorError {
            return (409, error.message)
        } catch {
            return (502, TerminalText.line("\(error)"))
        }
    }
}
