import AgentManifests
import ArgumentParser
import FlightdeckApp
import Foundation

extension Flightdeck.Manifests {
    struct InstallManifestsCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "install",
            abstract: "Print the cluster bootstrap: namespace, RBAC, NetworkPolicies, egress proxy, NATS, the log shipper's config.")

        @OptionGroup var settings: SettingsOptions

        @Option(name: [.customShort("n"), .customLong("namespace")], help: "The agents' namespace (default: the config's, else agents).")
        var namespace: String?

        @Option(name: [.customShort("o"), .customLong("output")], help: "yaml or json.")
        var output: ManifestOutput = .yaml

        @Flag(name: .customLong("insecure-nats"), help: "NATS without authorization (see flightdeck install).")
        var insecureNATS = false

        @Flag(name: .customLong("kueue"), help: "Include the Kueue objects for the configured queues: a ResourceFlavor, the WorkloadPriorityClasses, a ClusterQueue and LocalQueue per queue.")
        var kueue = false

        func run() async throws {
            let config = try settings.load(namespace: namespace)
            let bus = try await BusInstall.prepare(config.settings, insecure: insecureNATS, rotate: false,
                defaultKeysPath: SettingsOptions.defaultKeysPath) { FileHandle.standardError.write(Data(("flightdeck: " + $0 + "\n").utf8)) }
            let objects = Flightdeck.Install.bundle(config, authorization: bus.authorization, kueue: kueue)
            print(output.render(objects), terminator: "")
        }
    }
}
