import AgentManifests
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
}
