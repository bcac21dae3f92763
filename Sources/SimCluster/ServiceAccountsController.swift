import FlightdeckCore
import KubeModel

/// kube-controller-manager's serviceaccount controller: every active namespace has the
/// ServiceAccount `default` (the account a pod runs as when it names none), created when the
/// namespace appears and again whenever it is deleted.
///
/// Tokens are not its business (upstream's token controller is separate, and since 1.24 no
/// Secret is made for an account). As upstream: a namespace that is gone or not `Active` is
/// left alone, an account that already exists is left as it is, and a create refused because
/// the namespace is terminating is not retried; any other failure is.
///
/// Run once (`run()` until cancelled); `ControlPlane` does this.
public final class ServiceAccountsController: QueueDrivenController {
    /// Upstream's `DefaultServiceAccountsControllerOptions`: the accounts every namespace has.
    public static let accountNames = ["default"]

    public let store: APIStore
    let timing: SimTiming
    /// Namespace names.
    let queue = WorkQueue<String>()

    public init(store: APIStore, timing: SimTiming = .realTime) {
        self.store = store
        self.timing = timing
    }

    public func run() async { await runLoop() }

    var sources: [ControllerSource] {
        [
            .watch(.namespaces) { [queue] event in
                if event.type != .deleted, let name = ObjectKey(event.object)?.name { queue.add(name) }
            },
            .watch(.serviceAccounts) { [queue] event in
                if event.type == .deleted, let namespace = ObjectKey(event.object)?.namespace { queue.add(namespace) }
            },
        ]
    }

    func sync(_ namespace: String) {
        guard let object = try? store.get(type: .namespaces, name: namespace),
            object[path: ["status", "phase"]]?.stringValue == "Active"
        else { return }
        for name in Self.accountNames
        where (try? store.get(type: .serviceAccounts, namespace: namespace, name: name)) == nil {
            let account: JSONValue = [
                "apiVersion": "v1", "kind": "ServiceAccount",
                "metadata": ["name": .string(name), "namespace": .string(namespace)],
            ]
            do {
                _ = try store.create(account, type: .serviceAccounts, namespace: namespace)
            } catch {
                if error.reason == "AlreadyExists" || error.hasCause(Status.namespaceTerminatingCause) { continue }
                queue.add(namespace, after: timing.duration(seconds: 1))
            }
        }
    }
}
