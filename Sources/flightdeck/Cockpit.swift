import ArgumentParser
import FlightdeckApp
import HistoryStore

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
        @Flag(help: "Also admit queued jobs while open (otherwise `flightdeck record` does; only one keeper admits at a time).")
        var admit = false

        func run() async throws {
            let store = try await history.opened()
            let cluster = try await Self.connect(cluster, settings: settings, store: store, readOnly: readOnly, admits: admit)
            let (clusterOptions, settingsOptions, readOnly, admit) = (self.cluster, settings, readOnly, admit)
            let signal = try await CockpitSession.open(cluster: cluster, store: store, readOnly: readOnly, theme: theme,
                mouse: mouse) { context in
                var options = clusterOptions
                options.context = context
                return try await Self.connect(options, settings: settingsOptions, store: store, readOnly: readOnly, admits: admit)
            }
            if let signal { throw ExitCode(128 + signal) }
        }

        /// The cockpit's view of the cluster `options` name, with the config's settings.
        static func connect(_ options: ClusterOptions, settings: SettingsOptions, store: HistoryStore, readOnly: Bool,
            admits: Bool) async throws -> CockpitCluster
        {
            let connection = try options.connection()
            return try await CockpitCluster(connection: connection, config: try settings.load(namespace: connection.namespace),
                store: store, readOnly: readOnly, admits: admits)
        }
    }
}
