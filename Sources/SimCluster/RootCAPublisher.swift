import FlightdeckCore
import KubeModel

/// kube-controller-manager's root-ca-cert-publisher: every namespace holds a ConfigMap
/// `kube-root-ca.crt` whose `ca.crt` is the cluster's CA bundle, which is how a pod verifies
/// the API server at `kubernetes.default.svc` (service-account token volumes project it).
///
/// What it keeps true, as upstream does:
/// - a namespace that is added (or updated while `Active`) gets the ConfigMap, with
///   `data` exactly `{"ca.crt": <CA>}` and the `kubernetes.io/description` annotation;
/// - a deleted ConfigMap is created again; one whose `data` was changed gets its data back
///   (other keys are dropped), and one whose description annotation was removed or emptied
///   gets it back; other annotations and labels are left alone;
/// - a namespace that is gone or terminating is left alone (the create's 404, or its 403 with
///   the `NamespaceTerminating` cause, is not retried); any other failure is retried later.
///
/// Run once (`run()` until cancelled); `ControlPlane` does this.
public final class RootCAPublisher: QueueDrivenController {
    public static let configMapName = "kube-root-ca.crt"
    public static let descriptionAnnotation = "kubernetes.io/description"
    public static let description = "Contains a CA bundle that can be used to verify the kube-apiserver when using "
        + "internal endpoints such as the internal service IP or kubernetes.default.svc. "
        + "No other usage is guaranteed across distributions of Kubernetes clusters."

    public let store: APIStore
    /// The PEM published as `ca.crt` (the CA the API server's serving certificate chains to).
    public let rootCAPEM: String
    let timing: SimTiming
    /// Namespace names.
    let queue = WorkQueue<String>()

    public init(store: APIStore, rootCAPEM: String, timing: SimTiming = .realTime) {
        self.store = store
        self.rootCAPEM = rootCAPEM
        self.timing = timing
    }

    public func run() async { await runLoop() }

    var sources: [ControllerSource] {
        [
            .watch(.namespaces) { [queue] event in
                // Upstream's handlers: every added namespace, an updated one only while Active.
                guard let name = ObjectKey(event.object)?.name else { return }
                switch event.type {
                case .added: queue.add(name)
                case .modified where event.object[path: ["status", "phase"]]?.stringValue == "Active": queue.add(name)
                default: break
                }
            },
            .watch(.configMaps) { [queue] event in
                // Only an update or a deletion of the published ConfigMap can undo it.
                guard event.type == .modified || event.type == .deleted,
                    let key = ObjectKey(event.object), key.name == Self.configMapName, let namespace = key.namespace
                else { return }
                queue.add(namespace)
            },
        ]
    }

    var data: JSONValue { ["ca.crt": .string(rootCAPEM)] }

    /// Whether `configMap` already says what is published: the data exactly, and a
    /// non-empty description.
    func isCurrent(_ configMap: JSONValue) -> Bool {
        configMap["data"] == data
            && !(configMap[path: ["metadata", "annotations", Self.descriptionAnnotation]]?.stringValue ?? "").isEmpty
    }

    func sync(_ namespace: String) {
        guard (try? store.get(type: .configMaps, namespace: namespace, name: Self.configMapName)) != nil else {
            create(in: namespace)
            return
        }
        do {
            try ControllerRuntime.modify(store, .configMaps, namespace: namespace, name: Self.configMapName) { object in
                guard !isCurrent(object) else { return false }
                object.setMember("data", data)
                object[path: ["metadata", "annotations", Self.descriptionAnnotation]] = .string(Self.description)
                return true
            }
        } catch {
            retryLater(namespace)
        }
    }

    func create(in namespace: String) {
        let configMap: JSONValue = [
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": [
                "name": .string(Self.configMapName), "namespace": .string(namespace),
                "annotations": [Self.descriptionAnnotation: .string(Self.description)],
            ],
            "data": data,
        ]
        do {
            _ = try store.create(configMap, type: .configMaps, namespace: namespace)
        } catch {
            // Gone or terminating: nothing to publish into, as upstream.
            if error.code == 404 || error.hasCause(Status.namespaceTerminatingCause) { return }
            retryLater(namespace)
        }
    }

    /// A failed write is tried again after a simulated second (upstream's rate-limited re-queue).
    func retryLater(_ namespace: String) {
        queue.add(namespace, after: timing.duration(seconds: 1))
    }
}
