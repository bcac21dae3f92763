import AgentManifests
import FlightdeckCore
import KubeClient
import KubeModel
import Orchestrator

/// `flightdeck install --apply`, and the demo's setup: the install bundle applied through the
/// API as `kubectl apply` would — what is missing is created, what differs is patched, and a
/// second run finds every object unchanged.
public enum ClusterBootstrap {
    /// Applies every object of `settings`' bundle in order, handing each line to `report`.
    public static func apply(_ settings: ClusterSettings, authorization: NATSAuthorization, api: KubeAPI,
        report: (String) -> Void) async throws
    {
        for object in InstallManifests.all(settings, natsAuthorization: authorization) { report(try await apply(object, api: api)) }
    }

    /// When the cluster runs Kueue (`KueueDiscovery`) and `queues` are configured, applies the
    /// Kueue objects for them (`InstallManifests.kueue`) and returns `true`; otherwise applies
    /// nothing and returns `false` (Flightdeck's own admitter then starts queued Jobs).
    @discardableResult
    public static func applyKueue(_ queues: QueueConfiguration, settings: ClusterSettings, api: KubeAPI,
        report: (String) -> Void) async throws -> Bool
    {
        guard queues.isConfigured else { return false }
        let hasKueue: Bool
        do {
            hasKueue = try await KueueDiscovery.clusterHasKueue(api)
        } catch let error as APIError {
            throw OperatorError("cannot tell whether the cluster runs Kueue: \(error.description)")
        }
        guard hasKueue else { return false }
        for object in InstallManifests.kueue(queues, settings: settings) { report(try await apply(object, api: api)) }
        return true
    }

    /// Applies one object and returns kubectl's line for it (`namespace/agents created`,
    /// `configured`, `unchanged`); a failure is one line naming the object.
    public static func apply(_ object: JSONValue, api: KubeAPI) async throws -> String {
        let (type, name, label) = try identify(object)
        let namespace = type.namespaced ? object[path: ["metadata", "namespace"]]?.stringValue : nil
        do {
            let live: JSONValue?
            do {
                live = try await api.get(type, namespace: namespace, name: name)
            } catch let error as APIError where error.code == 404 {
                live = nil
            }
            switch ApplyPlan.decide(desired: object, live: live) {
            case .create:
                _ = try await api.create(type, namespace: namespace, object)
                return "\(label) created"
            case .unchanged:
                return "\(label) unchanged"
            case .patch(let patch):
                _ = try await api.patch(type, namespace: namespace, name: name, patch, kind: .merge)
                return "\(label) configured"
            }
        } catch let error as APIError {
            throw OperatorError("\(label): \(error.description)")
        } catch {
            throw OperatorError("\(error)")
        }
    }

    /// The object's resource type, name, and kubectl's label for it (`deployment.apps/nats`).
    public static func identify(_ object: JSONValue) throws -> (type: ResourceType, name: String, label: String) {
        let kind = object["kind"]?.stringValue ?? ""
        guard let type = ResourceType.forKind(kind, apiVersion: object["apiVersion"]?.stringValue ?? ""),
            let name = object[path: ["metadata", "name"]]?.stringValue
        else { throw OperatorError("cannot apply a \(TerminalText.line(kind)) this client does not know") }
        return (type, name, "\(type.singular)\(type.group.isEmpty ? "" : "." + type.group)/\(name)")
    }
}
