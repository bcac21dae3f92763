import AgentManifests
import Foundation

/// `flightdeck sim`: where the headless simulated cluster keeps its state, and what it says
/// once it serves.
public enum SimulatedClusterLaunch {
    /// `$XDG_STATE_HOME/flightdeck/sim` when that is an absolute path, else
    /// `~/.local/state/flightdeck/sim`.
    public static func defaultDataDirectory(environment: [String: String]) -> String {
        if let state = environment["XDG_STATE_HOME"], state.hasPrefix("/") { return state + "/flightdeck/sim" }
        return (environment["HOME"] ?? NSHomeDirectory()) + "/.local/state/flightdeck/sim"
    }

    /// The banner: the cluster's version and URL, its kubeconfig and how to use it, and
    /// which agents its node runs (the agent runtime's interpreter, or simulated ones).
    /// `kueue`: the sim serves Kueue (kueue.x-k8s.io/v1beta1) and runs its controller.
    public static func banner(version: String, url: String, kubeconfig: String, python: String?,
        nats: (url: String, keys: String)? = nil, kueue: Bool = false) -> String
    {
        var bus = nats.map {
            "NATS: \($0.url), JWT authorization; for flightdeck's config: cluster.nats.url: \($0.url), cluster.nats.keys: \($0.keys)\n"
        } ?? ""
        if kueue {
            bus += "Kueue: kueue.x-k8s.io/v1beta1 served and admitting; `flightdeck install --apply` adds the queues' ClusterQueues and LocalQueues\n"
        }
        return """
        Simulated k3s cluster \(version) at \(url)
        kubeconfig: \(kubeconfig)
        agents: \(python.map { "the agent runtime's image runs as local processes (\($0))" } ?? "simulated")
        \(bus)
            export KUBECONFIG=\(kubeconfig)

        Ctrl-C stops it.

        """
    }
}

extension SimulatedClusterLaunch {
    /// `flightdeck sim --nats`: a local nats-server with JWT authorization, its keys kept in
    /// `directory` across runs (made on the first), so an operator's config naming them keeps
    /// working.
    public static func startNATS(in directory: String) async throws -> (server: LocalNATSServer, keysPath: String) {
        let path = directory + "/nats-keys.json"
        let identity: BusIdentity
        if FileManager.default.fileExists(atPath: path) {
            var named = ClusterSettings()
            named.natsKeysPath = path
            let settings = named
            guard let loaded = try await offThePool({ try BusIdentity.load(settings) }) else {
                throw OperatorError("cannot read the NATS keys \(path)")
            }
            identity = loaded
        } else {
            identity = try BusIdentity.generate(in: directory)
        }
        guard let server = try await LocalNATSServer.startIfInstalled(storeDirectory: directory + "/nats", keys: identity.keys)
        else { throw OperatorError("--nats needs nats-server (apt-get install nats-server)") }
        return (server, path)
    }
}
