import AgentManifests
import ArgumentParser
import FlightdeckCore
import Foundation
import KubeModel

extension Flightdeck.Manifests {
    struct TaskManifestsCommand: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "task",
            abstract: "Print one agent task's Job, workspace PVC and Secret.",
            discussion: """
                Fields come from the config's agents: section, then --template FILE (YAML or JSON),
                then these flags. The PVC and Secret are owned by the Job; a Job's uid exists only
                once it is created, so without --owner-uid they are printed without ownerReferences
                (and then outlive the Job): `flightdeck submit` does the whole flow.
                """)

        @OptionGroup var settings: SettingsOptions

        @Option(name: [.customShort("n"), .customLong("namespace")], help: "The agents' namespace (default: the config's, else agents).")
        var namespace: String?

        @OptionGroup var task: TaskOptions

        @Option(name: .customLong("owner-uid"), help: "The created Job's uid: the PVC and Secret get ownerReferences to it.")
        var ownerUID: String?

        @Flag(help: "Print the Job suspended (step 1 of the submit flow).")
        var suspended = false

        @Option(name: [.customShort("o"), .customLong("output")], help: "yaml or json.")
        var output: ManifestOutput = .yaml

        func run() throws {
            let config = try settings.load(namespace: namespace)
            let task = try self.task.build(config: config)

            let objects = TaskManifests.all(task, settings: config.settings, suspended: suspended, ownerUID: ownerUID)
            print(output.render(objects), terminator: "")
        }
    }
}
