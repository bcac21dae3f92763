import FlightdeckCore
import KubeClient
import KubeModel

/// Which actions this identity may take in the namespace, found out once at start with
/// one SelfSubjectAccessReview per permission — and why each unavailable one is.
public struct Capabilities: Sendable, Hashable {
    /// `nil`: available; otherwise the one-line reason it is not.
    public var unavailable: [AgentAction: String]

    public init(unavailable: [AgentAction: String] = [:]) { self.unavailable = unavailable }

    public func allows(_ action: AgentAction) -> Bool { unavailable[action] == nil }

    /// Asks the API. In read-only mode every mutating action is unavailable without asking;
    /// `steer` needs a command channel (NATS), which `hasCommandChannel` says.
    public static func probe(api: KubeAPI, namespace: String, readOnly: Bool, hasCommandChannel: Bool) async
        -> Capabilities
    {
        var unavailable: [AgentAction: String] = [:]
        /// Per permission: allowed, or why not (a refusal, or the question that could not be asked).
        var answers: [String: String?] = [:]
        for action in AgentAction.allCases {
            if readOnly, action.mutates {
                unavailable[action] = "read-only mode"
                continue
            }
            if action == .steer, !hasCommandChannel {
                unavailable[action] = "no command channel (NATS is not configured)"
                continue
            }
            for (verb, type) in action.requiredAccess {
                let key = "\(verb) \(type.qualifiedResource)"
                let refusal: String?
                if let known = answers[key] {
                    refusal = known
                } else {
                    // A failed question is not a "no": the operator is told what failed.
                    do {
                        let allowed = try await review(api: api, namespace: namespace, verb: verb, type: type)
                        refusal = allowed ? nil : "not allowed to \(verb) \(type.qualifiedResource) in \(namespace)"
                    } catch {
                        refusal = "could not ask whether it may \(verb) \(type.qualifiedResource): \(error)"
                    }
                    answers[key] = refusal
                }
                if let refusal {
                    unavailable[action] = refusal
                    break
                }
            }
        }
        return Capabilities(unavailable: unavailable)
    }

    static func review(api: KubeAPI, namespace: String, verb: String, type: ResourceType) async throws -> Bool {
        let answer = try await api.create(.selfSubjectAccessReviews, [
            "apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
            "spec": ["resourceAttributes": ["namespace": .string(namespace), "verb": .string(verb),
                "group": .string(type.group), "resource": .string(type.plural)]],
        ])
        return answer[path: ["status", "allowed"]]?.boolValue == true
    }
}
