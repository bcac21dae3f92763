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
    public static func banner(version: String, url: String, kubeconfig: String, python: String?) -> String {
        """
        Simulated k3s cluster \(version) at \(url)
        kubeconfig: \(kubeconfig)
        agents: \(python.map { "the agent runtime's image runs as local processes (\($0))" } ?? "simulated")

            export KUBECONFIG=\(kubeconfig)

        Ctrl-C stops it.

        """
    }
}
