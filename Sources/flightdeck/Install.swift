import AgentManifests
import ArgumentParser
import FlightdeckApp
import KubeClient

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
            guard apply else {
                print(output.render(InstallManifests.all(config.settings)), terminator: "")
                return
            }
            let api = KubeAPI(connection: try cluster.connection())
            try await ClusterBootstrap.apply(config.settings, api: api) { print($0) }
        }
    }
}
