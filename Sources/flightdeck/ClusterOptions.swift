import ArgumentParser
import FlightdeckApp
import KubeClient

/// How a command finds its cluster, as kubectl does: `--kubeconfig`, else `KUBECONFIG`,
/// else `~/.kube/config`, else k3s's `/etc/rancher/k3s/k3s.yaml`, else the in-cluster
/// service account; `--context`; `-n` (else the context's namespace, else `agents`).
struct ClusterOptions: ParsableArguments {
    @Option(name: .customLong("kubeconfig"), help: "Path to a kubeconfig file.")
    var kubeconfig: String?

    @Option(name: .customLong("context"), help: "The kubeconfig context to use.")
    var context: String?

    @Option(name: [.customShort("n"), .customLong("namespace")], help: "The namespace of the agents' Jobs.")
    var namespace: String?

    /// The resolved connection; a bad kubeconfig is one line naming the file and the fix.
    func connection() throws -> ClusterConnection {
        do {
            return try KubeconfigLoader.live().load(kubeconfig: kubeconfig, context: context, namespace: namespace)
        } catch {
            throw OperatorError(error.description)
        }
    }
}
