import ArgumentParser
import FlightdeckApp
import Foundation
import HTTPServing
import KubeClient
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
        @Flag(name: .customLong("no-admit"), help: "Do not admit queued jobs (by default the keeper holding the admission lease starts them as their queues have room; where the cluster runs Kueue, Kueue does).")
        var noAdmit = false
        @Option(name: .customLong("lease-duration"), help: "Seconds another keeper waits to take admission over after this one stops renewing its lease (default: 15).")
        var leaseDuration: Int = 15
        @Flag(name: .customLong("serve"), help: "Also serve the history over HTTP, as `flightdeck serve` does (its options below).")
        var serveHTTP = false
        @OptionGroup(title: "Serving (with --serve)") var serve: ServeOptions

        func validate() throws {
            guard (1...3600).contains(leaseDuration) else {
                throw ValidationError("--lease-duration must be between 1 and 3600 seconds, not \(leaseDuration)")
            }
        }

        func run() async throws {
            let store = try await history.opened()
            let connection = try cluster.connection()
            let api = KubeAPI(connection: connection)
            var config = try settings.load(namespace: connection.namespace)
            if let startFrom { config.trace.startFrom = try HeadlessRecorder.startPoint(startFrom, now: Date()) }
            let nats = try await NATSLink.options(config.settings, name: "flightdeck record")
            let keeper = await HistoryKeeper.opening(store: store, api: api, options: .onThisMachine(connection: connection,
                trace: config.trace, nats: nats, historyPath: store.path, queues: config.queues,
                admission: noAdmit ? nil : Admitter.Options(queues: config.queues, leaseDuration: leaseDuration)))
            var server: HTTPServer?
            if serveHTTP {
                let listener = try serve.listener()
                let actions = serve.allowActions
                    ? try await ServeOptions.actions(connection: connection, config: config, configPath: settings.configPath,
                        store: store) : nil
                let api = ServeAPI(store: store, feed: keeper.feed, options: serve.apiOptions(listener, prices: config.prices,
                    actions: actions, store: store))
                server = try await ServeRun.start(api, listener: listener) { line in
                    FileHandle.standardError.write(Data((line + "\n").utf8))
                }
            }
            let recorder = HeadlessRecorder(keeper: keeper, server: connection.server.absoluteString,
                natsURL: nats != nil ? config.settings.natsURL : nil, quiet: quiet) { line in
                FileHandle.standardError.write(Data((line + "\n").utf8))
            }
            do {
                try await recorder.run(until: { await Signals.waitForTermination() })
            } catch {
                await server?.shutdown()
                throw error
            }
            await server?.shutdown()
        }
    }
}
