import Foundation
import KubeClient
import KubeModel
import SimCluster
import SimServer

/// The simulated cluster, started in this process over HTTPS on loopback (control plane and
/// kubelet running, as `flightdeck sim` runs them), and Flightdeck's client for it, loaded
/// from the kubeconfig the sim writes — as a user's `flightdeck` would load it.
struct BenchCluster {
    let sim: SimulatedCluster
    let api: KubeAPI
    let kubeconfigPath: String
    let namespace = "agents"
    var store: APIStore { sim.store }

    /// A fresh data directory under `directory`; `watchBufferSize` events may be pending per
    /// watcher before the store cuts it off (the sim's own default is 10,000).
    static func start(in directory: String, historyLimit: Int = 10_000, watchBufferSize: Int = 10_000) async throws
        -> BenchCluster
    {
        try? FileManager.default.removeItem(atPath: directory)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let options = SimulatedCluster.Options(dataDirectory: URL(fileURLWithPath: directory + "/data"),
            historyLimit: historyLimit)
        let store = APIStore(configuration: APIStoreConfiguration(historyLimit: historyLimit,
            watchBufferSize: watchBufferSize, bookmarkInterval: options.bookmarkInterval,
            clock: SimClock(timing: options.timing).closure,
            initialNamespaces: ["default", "kube-system", "kube-public", "kube-node-lease"]))
        let sim = try await SimulatedCluster.start(options, store: store)
        let path = sim.kubeconfigURL.path
        let connection = try loader(home: directory).load(kubeconfig: path, namespace: "agents")
        let api = KubeAPI(connection: connection, qps: 10_000, burst: 10_000)
        return BenchCluster(sim: sim, api: api, kubeconfigPath: path)
    }

    /// A loader that sees only the kubeconfig it is given (no `~/.kube/config`, no k3s file,
    /// no service account), as the client tests load theirs.
    static func loader(home: String) -> KubeconfigLoader {
        KubeconfigLoader(environment: [:], homeDirectory: home, workingDirectory: home,
            k3sConfigPath: home + "/no-k3s.yaml", serviceAccountDirectory: home + "/no-sa")
    }

    func stop() async { await sim.stop() }
}
