import AgentManifests
import Foundation
import KubeClient
import NATSClient
import Orchestrator

extension HistoryKeeper.Options {
    /// How `record`, `logs -f` and the cockpit keep history on this machine: the connection's
    /// namespace and context, NATS when configured (else pod logs), and a durable consumer
    /// named after this host and the history file, so that each history file keeps its own
    /// place in the stream. `admission`: this keeper admits queued Jobs (`record`, a cockpit
    /// with `--admit`).
    public static func onThisMachine(connection: ClusterConnection, trace: TraceSettings, nats: NATSConnection.Options?,
        historyPath: String, jobName: String? = nil, readOnly: Bool = false, queues: QueueConfiguration = QueueConfiguration(),
        admission: Admitter.Options? = nil) -> Self
    {
        Self(namespace: connection.namespace, context: connection.contextName, nats: nats,
            durableName: NATSTraceIngestor.durableName(host: ProcessInfo.processInfo.hostName, historyPath: historyPath),
            trace: trace, jobName: jobName, readOnly: readOnly, queues: queues, admission: admission)
    }
}
