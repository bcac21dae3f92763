import ArgumentParser
import FlightdeckApp
import Foundation
import KubeClient
import Orchestrator

extension Flightdeck {
    /// A job's thought trace from history — readable after the cluster deleted the Job —
    /// and, with `-f`, live: it keeps the history itself meanwhile (trace from NATS when
    /// configured, else the pods' logs), so it needs no cockpit running.
    struct Logs: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a job's thought trace from history, and follow it live.",
            discussion: """
                JOB is a Job name or job id from `flightdeck history jobs` (a unique prefix will do).
                With -f it follows until the job has finished and gone quiet, or until Ctrl-C.
                """)

        @OptionGroup var history: HistoryOptions
        @OptionGroup var cluster: ClusterOptions
        @OptionGroup var settings: SettingsOptions

        @Argument(help: "The Job's name or job id.") var job: String
        @Flag(name: [.short, .long], help: "Keep printing new records as they arrive.") var follow = false
        @Option(help: "Only records since this time: a duration (90s, 15m, 2h, 3d) or an RFC 3339 time.")
        var since: String?
        @Option(help: "Only these kinds (comma-separated: thought,action,observation,message,error).")
        var kind: String?
        @Option(name: .shortAndLong, help: "Output format: text or json (one record per line).")
        var output: TraceFormat = .text

        func run() async throws {
            let filter = try TraceFilter(since: since, kinds: kind, now: Date())
            let printer = TracePrinter(format: output, filter: filter) { FileHandle.standardOutput.write(Data($0.utf8)) }
            let job = job
            guard follow else {
                let store = try await history.opened(readOnly: true)
                guard let found = try await store.reading({ try JobLookup.find(job, in: $0) }) else {
                    throw OperatorError("history has no job \(TerminalText.line(job)) (see `flightdeck history jobs`)")
                }
                _ = try await store.reading { try printer.print(store: $0, jobID: found.id, after: 0) }
                return
            }
            let store = try await history.opened()
            let connection = try cluster.connection()
            let api = KubeAPI(connection: connection)
            let config = try settings.load(namespace: connection.namespace)
            let nats = try await NATSLink.options(config.settings, name: "flightdeck logs")
            let known = try await store.reading { try JobLookup.find(job, in: $0) }
            let keeper = await HistoryKeeper.opening(store: store, api: api, options: .onThisMachine(connection: connection,
                trace: config.trace, nats: nats, historyPath: store.path, jobName: known?.name ?? job, readOnly: true))
            await TraceFollower(store: store, printer: printer).follow(job, knownID: known?.id, keeper: keeper) {
                await Signals.waitForTermination()
            }
        }
    }
}
