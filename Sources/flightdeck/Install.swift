import AgentManifests
import ArgumentParser
import FlightdeckApp
import FlightdeckCore
import Foundation
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
                The first run makes the NATS bus keys (cluster.nats.keys, else
                $XDG_CONFIG_HOME/flightdeck/nats-keys.json, mode 0600): the in-cluster NATS trusts
                them, each job gets its own user from them, and whoever holds them may use the bus.
                """)

        @OptionGroup var cluster: ClusterOptions
        @OptionGroup var settings: SettingsOptions

        @Flag(help: "Create what is missing and patch what differs, one line per object.")
        var apply = false

        @Option(name: [.customShort("o"), .customLong("output")], help: "yaml or json (when printing).")
        var output: ManifestOutput = .yaml

        @Flag(name: .customLong("rotate-nats-keys"), help: "Sign new agents' NATS users with a new key (the oldest of three retires; jobs it signed then stop being accepted) and tell the NATS server.")
        var rotateNATSKeys = false

        @Flag(name: .customLong("insecure-nats"), help: "Deploy NATS without authorization: any agent can read and steer every other agent. Only for trying things out.")
        var insecureNATS = false

        @Flag(name: .customLong("kueue"), help: "When printing, include the Kueue objects for the configured queues (with --apply they are applied whenever the cluster runs Kueue).")
        var kueue = false

        func validate() throws {
            if rotateNATSKeys, insecureNATS { throw ValidationError("--rotate-nats-keys and --insecure-nats exclude each other") }
        }

        func run() async throws {
            let config = try settings.load(namespace: cluster.namespace)
            let bus = try await BusInstall.prepare(config.settings, insecure: insecureNATS, rotate: rotateNATSKeys,
                defaultKeysPath: SettingsOptions.defaultKeysPath) { FileHandle.standardError.write(Data(("flightdeck: " + $0 + "\n").utf8)) }
            guard apply else {
                print(output.render(Self.bundle(config, authorization: bus.authorization, kueue: kueue)), terminator: "")
                return
            }
            let api = KubeAPI(connection: try cluster.connection())
            try await ClusterBootstrap.apply(config.settings, authorization: bus.authorization, api: api) { print($0) }
            try await ClusterBootstrap.applyKueue(config.queues, settings: config.settings, api: api) { print($0) }
            if let line = await bus.tellServer(config.settings) { print(line) }
        }

        /// The install bundle as printed (`install`, `manifests install`): with `kueue`, the
        /// Kueue objects for the configured queues too (a config without queues gets a warning).
        static func bundle(_ config: ManifestConfig, authorization: NATSAuthorization, kueue: Bool) -> [JSONValue] {
            var objects = InstallManifests.all(config.settings, natsAuthorization: authorization)
            guard kueue else { return objects }
            if !config.queues.isConfigured {
                FileHandle.standardError.write(Data(
                    "flightdeck: --kueue: the config has no queues: section, so there is nothing for Kueue to admit\n".utf8))
            }
            objects += InstallManifests.kueue(config.queues, settings: config.settings)
            return objects
        }
    }
}
