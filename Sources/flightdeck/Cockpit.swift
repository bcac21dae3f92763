import AgentManifests
import ArgumentParser
import CockpitUI
import Foundation
import HistoryStore
import KubeClient
import NATSClient
import Orchestrator
import TerminalIO

extension Flightdeck {
    /// The full-screen cockpit on the current cluster: jobs, the live thought trace, the phase
    /// timeline and the workspace, kept in history as it goes.
    struct Cockpit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Open the full-screen cockpit on the current cluster (the default).")

        @OptionGroup var cluster: ClusterOptions
        @OptionGroup var history: HistoryOptions
        @OptionGroup var settings: SettingsOptions
        @Flag(name: .customLong("read-only"), help: "Refuse every action that changes the cluster.") var readOnly = false
        @Option(help: "The theme (dark, light, high-contrast, monochrome, or one of yours).") var theme: String = "dark"

        func run() async throws {
            let connection = try cluster.connection()
            let api = try ClusterSync.api(connection)
            let store = try history.open()
            let config = try settings.load(namespace: connection.namespace)
            let nats = try SettingsOptions.natsOptions(config.settings, name: "flightdeck cockpit")
            let keeper = HistoryKeeper(store: store, api: api, options: .init(
                namespace: connection.namespace, context: connection.contextName, nats: nats,
                durableName: NATSTraceIngestor.durableName(host: ProcessInfo.processInfo.hostName, historyPath: store.path),
                trace: config.trace, readOnly: readOnly))
            try await Self.open(keeper: keeper, store: store, api: api, namespace: connection.namespace,
                context: connection.contextName, cluster: connection.server.absoluteString, settings: config.settings,
                readOnly: readOnly, theme: theme)
        }

        /// Takes over the terminal until the operator quits; the terminal is restored on every way out.
        static func open(keeper: HistoryKeeper, store: HistoryStore, api: KubeAPI, namespace: String, context: String,
            cluster: String, settings: ClusterSettings, readOnly: Bool, theme: String, quitAfter: Double? = nil,
            whileOpen: (@Sendable () async -> Void)? = nil) async throws
        {
            let environment = ProcessInfo.processInfo.environment
            let session: TerminalSession
            do {
                session = try TerminalSession(environment: environment)
            } catch {
                throw CLIFailure("\(error)")
            }
            let runtime = CockpitRuntime(.init(session: session, keeper: keeper, store: store, api: api,
                namespace: namespace, context: context, cluster: cluster, settings: settings, readOnly: readOnly,
                themes: ThemeFiles.catalog(environment: environment), themeName: theme))
            let timer = Task {
                guard let quitAfter else { return }
                try? await Task.sleep(for: .seconds(quitAfter))
                runtime.send(.terminal(.key(.ctrl("q"))))
            }
            let sideJob = Task { await whileOpen?() }
            await runtime.run()
            timer.cancel()
            sideJob.cancel()
            session.shutdown()
        }
    }
}
