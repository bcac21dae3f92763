import AgentManifests
import FlightdeckCore
import Foundation
import HistoryStore
import KubeClient
import Orchestrator

/// Shared plumbing of the cluster commands: API errors as one line, and one reconcile pass
/// into the history.
public enum ClusterSync {
    /// Runs `body`, turning API and connection errors into the one-line failure.
    public static func report(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let error as OperatorError {
            throw error
        } catch {
            throw OperatorError("\(error)")
        }
    }

    /// Reconciles the namespace into `store` until every collection was listed once; queued
    /// Jobs get their places in `queues`.
    public static func once(connection: ClusterConnection, store: HistoryStore, queues: QueueConfiguration,
        timeout: Duration = .seconds(20)) async throws
    {
        let writer = HistoryWriter(store: store)
        let api = KubeAPI(connection: connection)
        let mode = (try? await KueueDiscovery.mode(queues, api: api)) ?? .flightdeck
        let reconciler = Reconciler(api: api, namespace: connection.namespace, writer: writer,
            context: connection.contextName, queues: queues, admission: mode)
        let (updates, sink) = AsyncStream<Reconciler.Update>.makeStream()
        // The group ends only when the reconciler has: the writer is closed after it.
        let outcome = await withTaskGroup(of: String?.self) { group in
            group.addTask {
                await reconciler.run { sink.yield($0) }
                sink.finish()
                return "the cluster connection ended"
            }
            group.addTask {
                for await update in updates {
                    switch update {
                    case .synced: return nil
                    case .connection(.retrying(_, let reason)): return reason
                    default: continue
                    }
                }
                return "the cluster connection ended"
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return "the cluster did not answer within \(timeout)"
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        try await writer.closed()
        if let outcome { throw OperatorError(outcome) }
    }
}
