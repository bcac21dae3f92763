import AgentManifests
import HistoryStore
import KubeClient
import Orchestrator

/// One cluster's worth of the cockpit: its API client, history keeper and settings —
/// what `:ctx NAME` swaps while the terminal, the history store and the UI stay.
public struct CockpitCluster: Sendable {
    public var api: KubeAPI
    public var keeper: HistoryKeeper
    public var namespace: String
    public var context: String
    public var server: String
    public var config: ManifestConfig

    public init(api: KubeAPI, keeper: HistoryKeeper, namespace: String, context: String, server: String,
        config: ManifestConfig)
    {
        self.api = api
        self.keeper = keeper
        self.namespace = namespace
        self.context = context
        self.server = server
        self.config = config
    }

    /// Everything the cockpit needs of one kubeconfig context: a client for `connection`,
    /// and a keeper of `store` for its namespace (trace from the config's NATS, else pod logs).
    /// `admits`: it also admits queued Jobs (`--admit`), which a cockpit otherwise leaves to
    /// `flightdeck record`.
    public init(connection: ClusterConnection, config: ManifestConfig, store: HistoryStore, readOnly: Bool,
        admits: Bool = false) async throws
    {
        let api = KubeAPI(connection: connection)
        let nats = try await NATSLink.options(config.settings, name: "flightdeck cockpit")
        let keeper = await HistoryKeeper.opening(store: store, api: api, options: .onThisMachine(connection: connection,
            trace: config.trace, nats: nats, historyPath: store.path, readOnly: readOnly, queues: config.queues,
            admission: admits ? Admitter.Options(queues: config.queues) : nil))
        self.init(api: api, keeper: keeper, namespace: connection.namespace, context: connection.contextName,
            server: connection.server.absoluteString, config: config)
    }
}
