import AgentManifests
import ArgumentParser
import CockpitUI
import FlightdeckApp
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
        @Flag(help: "Clicks focus panes and select jobs, the wheel scrolls (Shift+drag then selects text).") var mouse = false

        func run() async throws {
            let store = try history.open()
            let cluster = try await Self.connect(cluster, settings: settings, store: store, readOnly: readOnly)
            let (clusterOptions, settingsOptions, readOnly) = (self.cluster, settings, readOnly)
            let signal = try await Self.open(cluster: cluster, store: store, readOnly: readOnly, theme: theme, mouse: mouse) { context in
                var options = clusterOptions
                options.context = context
                return try await Self.connect(options, settings: settingsOptions, store: store, readOnly: readOnly)
            }
            if let signal { throw ExitCode(128 + signal) }
        }

        /// Everything the cockpit needs of one kubeconfig context.
        static func connect(_ options: ClusterOptions, settings: SettingsOptions, store: HistoryStore, readOnly: Bool)
            async throws -> CockpitRuntime.Cluster
        {
            let connection = try options.connection()
            let api = try ClusterSync.api(connection)
            let config = try settings.load(namespace: connection.namespace)
            let nats = try SettingsOptions.natsOptions(config.settings, name: "flightdeck cockpit")
            let keeper = HistoryKeeper(store: store, api: api, options: .init(
                namespace: connection.namespace, context: connection.contextName, nats: nats,
                durableName: NATSTraceIngestor.durableName(host: ProcessInfo.processInfo.hostName, historyPath: store.path),
                trace: config.trace, readOnly: readOnly))
            return CockpitRuntime.Cluster(api: api, keeper: keeper, namespace: connection.namespace,
                context: connection.contextName, server: connection.server.absoluteString, config: config)
        }

        /// Takes over the terminal until the operator quits; the terminal is restored on every
        /// way out. Returns the termination signal that ended it, if one did (history is
        /// committed by then; the caller exits with 128 + it).
        @discardableResult
        static func open(cluster: CockpitRuntime.Cluster, store: HistoryStore, readOnly: Bool, theme: String,
            mouse: Bool = false, quitAfter: Double? = nil, whileOpen: (@Sendable () async -> Void)? = nil,
            connect: @escaping @Sendable (String) async throws -> CockpitRuntime.Cluster) async throws -> Int32?
        {
            let environment = ProcessInfo.processInfo.environment
            let session: TerminalSession
            do {
                session = try TerminalSession(environment: environment, mouse: mouse)
            } catch {
                throw OperatorError("\(error)")
            }
            let runtime = CockpitRuntime(.init(session: session, store: store, cluster: cluster, readOnly: readOnly,
                themes: ThemeFileCatalog.catalog(environment: environment), themeName: theme, connect: connect))
            let timer = Task {
                guard let quitAfter else { return }
                try? await Task.sleep(for: .seconds(quitAfter))
                runtime.send(.terminal(.key(.ctrl("q"))))
            }
            let sideJob = Task { await whileOpen?() }
            let signal = await runtime.run()
            timer.cancel()
            sideJob.cancel()
            session.shutdown()
            return signal
        }
    }
}
