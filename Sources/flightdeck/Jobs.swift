import AgentManifests
import ArgumentParser
import FlightdeckApp
import FlightdeckCore
import Foundation
import HistoryStore
import KubeClient
import KubeModel
import NATSClient
import Orchestrator

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

        @Flag(help: "Only show history; do not contact the cluster.")
        var offline = false

        @Option(name: .long, help: "At most this many jobs.")
        var limit: Int = 50

        @Option(name: .shortAndLong, help: "Output format: table or json.")
        var output: OutputFormat = .table

        func run() async throws {
            let store = try history.open()
            var namespace: String?
            if !offline {
                let connection = try cluster.connection()
                namespace = connection.namespace
                do {
                    try await ClusterSync.once(connection: connection, store: store)
                } catch {
                    // History still answers; say why it may be stale.
                    let reason = (error as? OperatorError)?.message ?? "\(error)"
                    FileHandle.standardError.write(Data("flightdeck: showing history only: \(reason)\n".utf8))
                }
            }
            let jobs = try store.jobs(JobQuery(namespace: namespace, limit: limit))
            switch output {
            case .json:
                for job in jobs { print(try JSONLines.encode(job)) }
            case .table:
                var rows = [["NAME", "STATUS", "RETRIES", "NODE", "AGE", "WHY"]]
                let now = Date()
                for job in jobs {
                    var status = job.status.rawValue
                    if job.deletedAt != nil, job.status != .deleted { status += " (deleted)" }
                    rows.append([
                        job.name, status, "\(job.retries)/\(job.backoffLimit.map(String.init) ?? "-")", job.node ?? "-",
                        job.createdAt.map { DurationText.short(now.timeIntervalSince($0)) } ?? "-",
                        job.pendingReason ?? "",
                    ])
                }
                print(TextTable.render(rows), terminator: "")
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete an agent Job with its pods, workspace claim and Secret.")
        @OptionGroup var cluster: ClusterOptions
        @Argument(help: "The Job's name.") var name: String

        func run() async throws {
            let connection = try cluster.connection()
            let actions = AgentActions(api: try ClusterSync.api(connection), namespace: connection.namespace)
            try await ClusterSync.report { try await actions.delete(job: name) }
            print("job.batch/\(TerminalText.line(name)) deleted (its pods, workspace claim and Secret follow)")
        }
    }

    struct Pin: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Keep a finished agent Job for debugging (drop its ttlSecondsAfterFinished).")
        @OptionGroup var cluster: ClusterOptions
        @Argument(help: "The Job's name.") var name: String

        func run() async throws {
            let connection = try cluster.connection()
            let actions = AgentActions(api: try ClusterSync.api(connection), namespace: connection.namespace)
            try await ClusterSync.report { try await actions.pin(job: name) }
            print("job.batch/\(TerminalText.line(name)) pinned")
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
            let api = try ClusterSync.api(connection)
            let nats = try await Steer.connectNATS(settings, namespace: connection.namespace, required: false)
            let actions = AgentActions(api: api, namespace: connection.namespace,
                commands: nats.map(NATSCommandChannel.init(connection:)))
            try await ClusterSync.report {
                let job = try await api.get(Job.self, namespace: connection.namespace, name: name)
                try await actions.cancel(job: name, jobID: JobProjection.jobID(job), grace: .seconds(grace))
            }
            await nats?.close()
            print("job.batch/\(TerminalText.line(name)) cancelled")
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
            let operatorCommand: OperatorCommand
            switch command {
            case "pause": operatorCommand = .pause
            case "resume": operatorCommand = .resume
            case "instruct":
                guard !text.isEmpty else { throw OperatorError("instruct needs the instruction: jobs steer NAME instruct TEXT…") }
                operatorCommand = .instruct(text.joined(separator: " "))
            default: throw OperatorError("unknown steer command \(command): expected pause, resume or instruct")
            }
            let connection = try cluster.connection()
            let api = try ClusterSync.api(connection)
            guard let nats = try await Self.connectNATS(settings, namespace: connection.namespace, required: true) else { return }
            try await ClusterSync.report {
                let job = try await api.get(Job.self, namespace: connection.namespace, name: name)
                try await AgentActions(api: api, namespace: connection.namespace,
                    commands: NATSCommandChannel(connection: nats)).steer(jobID: JobProjection.jobID(job), operatorCommand)
            }
            await nats.close()
            print("\(operatorCommand.type) sent to \(TerminalText.line(name))")
        }

        /// The NATS server reachable from here (an external one in the config or flags).
        static func connectNATS(_ settings: SettingsOptions, namespace: String, required: Bool) async throws
            -> NATSConnection?
        {
            let config = try settings.load(namespace: namespace)
            guard let url = config.settings.natsURL else {
                if required {
                    throw OperatorError("no NATS server reachable from here: pass --nats-url or set cluster.nats.url in \(settings.configPath)")
                }
                return nil
            }
            guard let address = NATSServerAddress(url: url) else { throw OperatorError("not a NATS URL: \(url)") }
            let connection = NATSConnection(options: .init(servers: [address], name: "flightdeck"))
            do {
                try await connection.connect(timeout: .seconds(5))
            } catch {
                await connection.close()
                if required { throw OperatorError("\(error)") }
                return nil
            }
            return connection
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
            let store = try history.open()
            guard let previous = try store.jobs(JobQuery(namespace: connection.namespace, name: name, limit: 1)).first
            else { throw OperatorError("history has no job \(name) in \(connection.namespace)") }
            let newPrompt = try promptFile.map { try TaskRequest.readFile($0, what: "prompt file") } ?? prompt
            let config = try settings.load(namespace: connection.namespace)
            let api = try ClusterSync.api(connection)
            var started = ""
            try await ClusterSync.report {
                started = try await TaskSubmission.retry(previous, prompt: newPrompt, api: api, context: connection.contextName,
                    settings: config.settings, store: store)
            }
            print("job.batch/\(TerminalText.line(started)) started: a retry of \(TerminalText.line(name)), restoring from job \(TerminalText.line(previous.id))")
        }
    }
}
