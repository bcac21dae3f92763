import ArgumentParser
import FlightdeckApp
import Foundation
import KubeClient

extension Flightdeck {
    struct Jobs: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the agent Jobs, and act on one (delete, pin, cancel, retry, steer).",
            subcommands: [List.self, Delete.self, Pin.self, Cancel.self, Retry.self, Steer.self],
            defaultSubcommand: List.self)
    }
}

extension Flightdeck.Jobs {
    /// Brings the history up to date with the cluster, then lists it: Jobs the cluster has
    /// already deleted are still there, marked.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "List the agent Jobs (the cluster's, and those history keeps).")

        @OptionGroup var cluster: ClusterOptions
        @OptionGroup var history: HistoryOptions
        @OptionGroup var settings: SettingsOptions

        @Flag(help: "Only show history; do not contact the cluster.")
        var offline = false

        @Option(name: .long, help: "At most this many jobs.")
        var limit: Int = 50

        @Option(name: .shortAndLong, help: "Output format: table or json.")
        var output: ListFormat = .table

        func run() async throws {
            let store = try await history.opened()
            let connection: ClusterConnection? = try offline ? nil : cluster.connection()
            let namespace = connection?.namespace
            // The config's price table prices the jobs' token use, offline too.
            let config = try settings.load(namespace: namespace)
            if let connection {
                if let stale = await JobList.refresh(store: store, connection: connection, queues: config.queues) {
                    FileHandle.standardError.write(Data("flightdeck: \(stale)\n".utf8))
                }
            }
            let jobs = try await JobList.jobs(store: store, namespace: namespace, limit: limit)
            let usage = try await JobList.usage(store: store, jobs: jobs)
            print(try JobList.render(jobs, usage: usage, prices: config.prices, format: output, now: Date()), terminator: "")
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete an agent Job with its pods, workspace claim and Secret.")
        @OptionGroup var cluster: ClusterOptions
        @OptionGroup var settings: SettingsOptions
        @Argument(help: "The Job's name.") var name: String

        func run() async throws {
            let connection = try cluster.connection()
            let config = try settings.load(namespace: connection.namespace)
            let actions = JobActions(api: KubeAPI(connection: connection), namespace: connection.namespace)
            print(try await actions.delete(name, settings: config.settings))
        }
    }

    struct Pin: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Keep a finished agent Job for debugging (drop its ttlSecondsAfterFinished).")
        @OptionGroup var cluster: ClusterOptions
        @Argument(help: "The Job's name.") var name: String

        func run() async throws {
            let connection = try cluster.connection()
            let actions = JobActions(api: KubeAPI(connection: connection), namespace: connection.namespace)
            print(try await actions.pin(name))
        }
    }

    struct Cancel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Ask an agent to stop, then delete its Job after a grace period.",
            discussion: "Without NATS (--nats-url or the config's cluster.nats.url) the agent is not asked first; its Job is deleted at once.")
        @OptionGroup var cluster: ClusterOptions
        @OptionGroup var settings: SettingsOptions
        @Argument(help: "The Job's name.") var name: String
        @Option(help: "Seconds to wait for the agent to finish its step.") var grace: Int = 30

        func run() async throws {
            let connection = try cluster.connection()
            let api = KubeAPI(connection: connection)
            let config = try settings.load(namespace: connection.namespace)
            let nats = try await NATSLink.connect(config.settings, required: false, configPath: settings.configPath)
            let actions = JobActions(api: api, namespace: connection.namespace, nats: nats)
            let line: String
            do { line = try await actions.cancel(name, grace: .seconds(grace)) } catch {
                await nats?.close()
                throw error
            }
            await nats?.close()
            print(line)
        }
    }

    /// Pause, resume or instruct a running agent over NATS (`cmd.agent.<id>`).
    struct Steer: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Pause, resume or instruct a running agent (over NATS).")
        @OptionGroup var cluster: ClusterOptions
        @OptionGroup var settings: SettingsOptions
        @Argument(help: "The Job's name.") var name: String
        @Argument(help: "pause, resume or instruct.") var command: String
        @Argument(help: "The instruction (for instruct).") var text: [String] = []

        func run() async throws {
            let operatorCommand = try JobActions.steering(command, text: text)
            let connection = try cluster.connection()
            let api = KubeAPI(connection: connection)
            let config = try settings.load(namespace: connection.namespace)
            guard let nats = try await NATSLink.connect(config.settings, required: true,
                configPath: settings.configPath)
            else { return }
            let actions = JobActions(api: api, namespace: connection.namespace, nats: nats)
            let line: String
            do { line = try await actions.steer(name, operatorCommand) } catch {
                await nats.close()
                throw error
            }
            await nats.close()
            print(line)
        }
    }
}

extension Flightdeck.Jobs {
    /// A new Job for the same task, restoring the workspace from the run's last snapshot.
    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Start a task again as a new Job that restores the previous run's workspace snapshot.",
            discussion: """
                The task comes from history (as `flightdeck submit` recorded it); its secret files are
                read again from where they were. A prompt that held a secret was kept redacted: pass
                it again with --prompt or --prompt-file.
                """)
        @OptionGroup var cluster: ClusterOptions
        @OptionGroup var settings: SettingsOptions
        @OptionGroup var history: HistoryOptions
        @Argument(help: "The Job's name.") var name: String
        @Option(help: "The prompt, when history could keep it only redacted.") var prompt: String?
        @Option(name: .customLong("prompt-file"), help: "Read that prompt from a file.") var promptFile: String?

        func run() async throws {
            let connection = try cluster.connection()
            let store = try await history.opened()
            let newPrompt = try promptFile.map { try TaskRequest.readFile($0, what: "prompt file") } ?? prompt
            let config = try settings.load(namespace: connection.namespace)
            let actions = JobActions(api: KubeAPI(connection: connection), namespace: connection.namespace,
                context: connection.contextName)
            print(try await actions.retry(name, prompt: newPrompt, settings: config.settings, queues: config.queues,
                store: store))
        }
    }
}
