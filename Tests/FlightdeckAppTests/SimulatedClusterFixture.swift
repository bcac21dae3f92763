import FlightdeckTestSupport
import Foundation
import HistoryStore
import KubeClient
import SimCluster
import SimServer

/// The embedded simulated cluster, a client connected to it as the commands connect (its
/// kubeconfig), and a real history file: what the command tests run against.
final class SimulatedClusterFixture: Sendable {
    let directory: TemporaryDirectory
    let sim: SimulatedCluster
    let connection: ClusterConnection
    let api: KubeAPI
    let store: HistoryStore
    var namespace: String { connection.namespace }

    init(_ label: String = "flightdeck-app", timing: SimTiming = SimTiming(scale: 0.02), natsURL: String? = nil,
        natsAuthorized: Bool = false, storeOptions: HistoryStore.Options = .init()) async throws
    {
        directory = TemporaryDirectory(label)
        sim = try await SimulatedCluster.start(.init(dataDirectory: URL(fileURLWithPath: directory.file("data")),
            timing: timing, bookmarkInterval: .seconds(1), natsURL: natsURL, natsAuthorized: natsAuthorized))
        connection = try Self.loader(home: directory.path).load(kubeconfig: sim.kubeconfigURL.path)
        api = KubeAPI(connection: connection, qps: 1000, burst: 1000)
        store = try HistoryStore(path: directory.file("history.db"), options: storeOptions)
    }

    /// A kubeconfig loader that sees nothing of this machine's own configuration.
    static func loader(home: String) -> KubeconfigLoader {
        KubeconfigLoader(environment: [:], homeDirectory: home, workingDirectory: home,
            k3sConfigPath: home + "/none", serviceAccountDirectory: home + "/none")
    }

    func stop() async {
        await sim.stop()
    }
}
