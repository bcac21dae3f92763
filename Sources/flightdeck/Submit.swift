import ArgumentParser
import FlightdeckApp
import KubeClient

extension Flightdeck {
    /// Starts one agent task: the Job suspended, its workspace claim and Secret owned by it,
    /// then started — re-running the same task (`--uuid`) finishes a submission that died
    /// halfway and never makes a second Job.
    struct Submit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Start an agent task as a Job in the cluster.",
            discussion: """
                Fields come from the config's agents: section, then --template FILE, then flags.
                The task is recorded in history at once, so the cockpit shows its prompt.
                """)

        @OptionGroup var cluster: ClusterOptions
        @OptionGroup var settings: SettingsOptions
        @OptionGroup var task: TaskOptions
        @OptionGroup var history: HistoryOptions

        func run() async throws {
            let connection = try cluster.connection()
            let config = try settings.load(namespace: connection.namespace)
            let built = try self.task.buildWithPaths(config: config)
            let api = KubeAPI(connection: connection)
            let store = try await history.opened()
            try await ClusterSync.report {
                let outcome = try await TaskSubmission.submit(built.task, secretFilePaths: built.secretFilePaths, api: api,
                    context: connection.contextName, settings: config.settings, queues: config.queues, store: store)
                print(TaskSubmission.confirmation(outcome, task: built.task))
            }
        }
    }
}
