import ArgumentParser
import FlightdeckApp
import FlightdeckCore
import Foundation
import KubeClient
import Orchestrator

extension Flightdeck {
    struct Queue: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The task queues: what runs and waits, and changes to a waiting job.",
            discussion: """
                Queues are configured in the config file's queues: section. With queues, a submitted
                task waits until the keeper holding the admission lease (flightdeck record) starts it —
                or Kueue, where the cluster runs it.
                """,
            subcommands: [List.self, Priority.self, Move.self, Start.self],
            defaultSubcommand: List.self)

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "List the queues and the jobs waiting in them, with their places and reasons.")

            @OptionGroup var cluster: ClusterOptions
            @OptionGroup var settings: SettingsOptions
            @OptionGroup var history: HistoryOptions
            @Option(name: .shortAndLong, help: "Output format: table or json.")
            var output: ListFormat = .table

            func run() async throws {
                let connection = try cluster.connection()
                let config = try settings.load(namespace: connection.namespace)
                let api = KubeAPI(connection: connection)
                // Today's token use and cost per queue come from history, when budgets are set.
                let store = QueueBudgets.anyBudget(config.queues) ? try await history.opened() : nil
                try await ClusterSync.report {
                    let report = try await QueueListing.report(api: api, namespace: connection.namespace, queues: config.queues,
                        history: store)
                    print(QueueListing.render(report, format: output, now: Date(), currency: config.prices.currency),
                        terminator: "")
                }
            }
        }

        struct Priority: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Change a waiting job's priority.")
            @OptionGroup var cluster: ClusterOptions
            @OptionGroup var settings: SettingsOptions
            @Argument(help: "The Job's name.") var name: String
            @Argument(help: "high, normal or low.") var priority: String

            func run() async throws {
                guard let value = TaskPriority(rawValue: priority.lowercased()) else {
                    throw OperatorError("priority \(TerminalText.line(priority)): expected \(TaskPriority.choices)")
                }
                try await Queue.apply(.priority(value), to: name, cluster: cluster, settings: settings)
            }
        }

        struct Move: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Move a waiting job to another queue.")
            @OptionGroup var cluster: ClusterOptions
            @OptionGroup var settings: SettingsOptions
            @Argument(help: "The Job's name.") var name: String
            @Argument(help: "A configured queue.") var queue: String

            func run() async throws {
                try await Queue.apply(.queue(queue), to: name, cluster: cluster, settings: settings)
            }
        }

        struct Start: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Start a waiting job now, ahead of its queue (not where Kueue admits).")
            @OptionGroup var cluster: ClusterOptions
            @OptionGroup var settings: SettingsOptions
            @Argument(help: "The Job's name.") var name: String

            func run() async throws {
                try await Queue.apply(.startNow, to: name, cluster: cluster, settings: settings)
            }
        }

        static func apply(_ change: QueueChange, to name: String, cluster: ClusterOptions, settings: SettingsOptions)
            async throws
        {
            let connection = try cluster.connection()
            let config = try settings.load(namespace: connection.namespace)
            let actions = QueueActions(api: KubeAPI(connection: connection), namespace: connection.namespace,
                queues: config.queues)
            try await ClusterSync.report {
                print(try await actions.apply(change, to: name))
            }
        }
    }
}
