import AgentManifests
import ArgumentParser
import FlightdeckApp
import FlightdeckCore
import Foundation
import HistoryStore
import KubeClient
import Orchestrator

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
            let task = built.task
            let outcome = try await Self.submit(task, secretFilePaths: built.secretFilePaths, connection: connection,
                settings: config.settings, history: history)
            let name = TerminalText.line(TaskManifests.jobName(task))
            switch outcome {
            case .started: print("job.batch/\(name) started (task \(task.uuid))")
            case .resumed: print("job.batch/\(name) started: finished an earlier submission of task \(task.uuid)")
            case .alreadyRunning: print("job.batch/\(name) is already running task \(task.uuid): nothing to do")
            }
        }

        /// Submits and records the task in history (with what a retry needs); the
        /// reconciler fills in the rest.
        static func submit(_ task: AgentTask, secretFilePaths: [String: String], connection: ClusterConnection,
            settings: ClusterSettings, history: HistoryOptions) async throws -> SubmitOutcome
        {
            let api = try ClusterSync.api(connection)
            let store = try history.open()
            var outcome: SubmitOutcome = .alreadyRunning(uid: "")
            try await ClusterSync.report {
                outcome = try await TaskSubmission.submit(task, secretFilePaths: secretFilePaths, api: api,
                    context: connection.contextName, settings: settings, store: store)
            }
            return outcome
        }
    }
}
