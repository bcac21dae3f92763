import AgentManifests
import ArgumentParser

extension Flightdeck.Manifests {
    struct InstallManifestsCommand: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "install",
            abstract: "Print the cluster bootstrap: namespace, RBAC, NetworkPolicies, egress proxy, NATS, Fluent Bit config.")

        @OptionGroup var settings: SettingsOptions

        @Option(name: [.customShort("n"), .customLong("namespace")], help: "The agents' namespace (default: the config's, else agents).")
        var namespace: String?

        @Option(name: [.customShort("o"), .customLong("output")], help: "yaml or json.")
        var output: ManifestOutput = .yaml

        func run() throws {
            let config = try settings.load(namespace: namespace)
            print(output.render(InstallManifests.all(config.settings)), terminator: "")
        }
    }
}
