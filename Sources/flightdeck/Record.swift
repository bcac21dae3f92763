import AgentManifests
import ArgumentParser
import FlightdeckApp
import FlightdeckCore
import Foundation
import Synchronization
import HistoryStore
import KubeClient
import NATSClient
import Orchestrator

extension Flightdeck {
    /// Keeps the history without a cockpit open: reconciles the namespace and ingests every
    /// agent's trace (NATS JetStream when configured, else pod logs) until stopped. For a
    /// systemd unit on the cluster node, so nothing is missed while no one watches.
    struct Record: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Keep the history (jobs and traces) headless, until stopped.")

        @OptionGroup var history: HistoryOptions
        @OptionGroup var cluster: ClusterOptions
        @OptionGroup var settings: SettingsOptions
        @Flag(help: "Print nothing but errors.") var quiet = false
        @Option(help: "Where the trace starts the first time: new, all, last N, since 2h (default: the config's trace.startFrom).")
        var startFrom: String?

        func run() async throws {
            let store = try history.open()
            let connection = try cluster.connection()
            let api = try ClusterSync.api(connection)
            var config = try settings.load(namespace: connection.namespace)
            if let startFrom {
                guard let point = TraceStartPoint(parsing: startFrom, now: Date()) else {
                    throw OperatorError("--start-from \(TerminalText.line(startFrom)): expected new, all, last N, since <time> or since <duration>")
                }
                config.trace.startFrom = point
            }
            let nats = try SettingsOptions.natsOptions(config.settings, name: "flightdeck record")
            let keeper = HistoryKeeper(store: store, api: api, options: .init(
                namespace: connection.namespace, context: connection.contextName, nats: nats,
                durableName: NATSTraceIngestor.durableName(host: ProcessInfo.processInfo.hostName, historyPath: store.path),
                trace: config.trace))
            let quiet = quiet
            say("recording \(connection.namespace) on \(connection.server) into \(store.path); trace from "
                + (nats != nil ? config.settings.natsURL! : "pod logs"), quiet: quiet)
            let failing = Mutex(false)
            let keeping = Task {
                await keeper.run { event in
                    switch event {
                    case .reconciler(.job(let job)):
                        Self.say("\(job.name) \(job.status.rawValue)", quiet: quiet)
                    case .reconciler(.connection(.retrying(_, let reason))):
                        Self.say("cluster: \(reason)", quiet: false)
                    case .nats(.reconnecting(let reason, _)):
                        Self.say("nats: \(reason)", quiet: false)
                    case .note(let text):
                        Self.say(text, quiet: quiet)
                    case .store(let failure?):
                        // Said while it lasts: the sources wait and retry, nothing is dropped.
                        failing.withLock { $0 = true }
                        Self.say("history: \(failure); retrying", quiet: false)
                    case .store(nil):
                        failing.withLock { $0 = false }
                        Self.say("history: writing again", quiet: false)
                    default:
                        break
                    }
                }
            }
            await Signals.waitForTermination()
            keeping.cancel()
            await keeping.value
            do {
                try await keeper.closed()
            } catch {
                throw OperatorError("\(error)")
            }
            if failing.withLock({ $0 }) {
                throw OperatorError("stopped while \(store.path) refused writes: what was not stored is still in the cluster "
                    + "(pod logs) or JetStream (unacknowledged) for the next run")
            }
            say("stopped; everything received is in \(store.path)", quiet: quiet)
        }

        private func say(_ text: String, quiet: Bool) { Self.say(text, quiet: quiet) }

        static func say(_ text: String, quiet: Bool) {
            guard !quiet else { return }
            FileHandle.standardError.write(Data((TerminalText.line(text) + "\n").utf8))
        }
    }
}
