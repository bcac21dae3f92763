import AgentManifests
import ArgumentParser
import FlightdeckApp
import FlightdeckCore
import KubeClient
import KubeModel

extension Flightdeck {
    /// `flightdeck install`: the cluster bootstrap, printed (for review or `kubectl apply`) or,
    /// with `--apply`, applied through the API: what is missing is created, what differs is
    /// patched, and a second run reports every object unchanged.
    struct Install: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print, or apply with --apply, the cluster bootstrap (namespace, RBAC, proxy, NATS).",
            discussion: """
                Settings come from the cluster: section of Flightdeck's config file and the flags.
                --apply needs rights to create namespaces, RBAC and NetworkPolicies (a cluster admin).
                """)

        @OptionGroup var cluster: ClusterOptions
        @OptionGroup var settings: SettingsOptions

        @Flag(help: "Create what is missing and patch what differs, one line per object.")
        var apply = false

        @Option(name: [.customShort("o"), .customLong("output")], help: "yaml or json (when printing).")
        var output: ManifestOutput = .yaml

        func run() async throws {
            let config = try settings.load(namespace: cluster.namespace)
            let objects = InstallManifests.all(config.settings)
            guard apply else {
                print(output.render(objects), terminator: "")
                return
            }
            let api: KubeAPI
            do {
                api = try KubeAPI(connection: try cluster.connection())
            } catch let failure as OperatorError {
                throw failure
            } catch {
                throw OperatorError("\(error)")
            }
            for object in objects {
                print(try await Self.apply(object, api: api))
            }
        }

        /// Applies one object and returns kubectl's line for it (`namespace/agents created`).
        static func apply(_ object: JSONValue, api: KubeAPI) async throws -> String {
            let kind = object["kind"]?.stringValue ?? ""
            guard let type = ResourceType.forKind(kind, apiVersion: object["apiVersion"]?.stringValue ?? ""),
                let name = object[path: ["metadata", "name"]]?.stringValue
            else { throw OperatorError("cannot apply a \(kind) this client does not know") }
            let namespace = type.namespaced ? object[path: ["metadata", "namespace"]]?.stringValue : nil
            let label = "\(type.singular)\(type.group.isEmpty ? "" : "." + type.group)/\(name)"
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
    }
}
