import FlightdeckCore
import Foundation
import KubeModel
import Synchronization

/// The simulated cluster's control plane: the apiserver's admission chain plus the
/// controllers k3s runs (scheduler, local-path provisioner with the PV and protection
/// controllers, Job, Deployment, ReplicaSet, TTL-after-finished, garbage collector, and the
/// per-namespace `default` ServiceAccount and `kube-root-ca.crt` ConfigMap), each an async
/// task watching the store.
///
/// The kubelet is not here: another component runs pods on the node (`nodeName`) and
/// writes their status. Without it, pods are bound but stay Pending.
///
/// Usage:
/// ```swift
/// let timing = SimTiming(scale: 0.01)
/// let store = APIStore(configuration: .init(clock: SimClock(timing: timing).closure))
/// let controlPlane = ControlPlane(store: store, configuration: .init(dataDirectory: dir, timing: timing))
/// controlPlane.start()
/// …
/// await controlPlane.stop()
/// ```
public final class ControlPlane: Sendable {
    public struct Configuration: Sendable {
        /// The single node's name (k3s uses the host name).
        public var nodeName: String
        /// k3s's data directory: local-path volumes are created under `storage/` in it.
        public var dataDirectory: URL
        /// How fast simulated waits run (back-off, deadlines, TTLs, resyncs).
        public var timing: SimTiming
        /// The cluster CA's certificate (PEM), published as `ca.crt` in every namespace's
        /// `kube-root-ca.crt` (kube-controller-manager's `--root-ca-file`). Empty: the
        /// ConfigMaps carry an empty `ca.crt`, as a controller manager whose connection has
        /// no CA data publishes.
        public var rootCAPEM: String
        /// The cluster has Kueue installed: its validation is admitted and its controller
        /// (`KueueController`) runs. The API server must serve Kueue's types as well
        /// (`APIRouter(kueue:)`).
        public var kueue: Bool

        public init(nodeName: String = "flightdeck-sim",
            dataDirectory: URL = FileManager.default.temporaryDirectory.appendingPathComponent("flightdeck-sim"),
            timing: SimTiming = .realTime, rootCAPEM: String = "", kueue: Bool = false)
        {
            self.kueue = kueue
            self.nodeName = nodeName
            self.dataDirectory = dataDirectory
            self.timing = timing
            self.rootCAPEM = rootCAPEM
        }
    }

    public let store: APIStore
    public let configuration: Configuration
    private let running = Mutex<Task<Void, Never>?>(nil)

    /// Installs the admission chain on `store` (so writes are admitted even before `start`).
    public init(store: APIStore, configuration: Configuration = Configuration()) {
        self.store = store
        self.configuration = configuration
        Self.installAdmission(on: store)
        if configuration.kueue { store.registerAdmissionPlugin(KueueValidation()) }
    }

    /// The apiserver's admission plugins this cluster enables, in upstream's order
    /// (mutating DefaultStorageClass and StorageObjectInUseProtection, then PodSecurity).
    /// Registering again replaces them, so this is safe to call more than once.
    public static func installAdmission(on store: APIStore) {
        store.registerAdmissionPlugin(DefaultStorageClassAdmission())
        store.registerAdmissionPlugin(StorageProtectionAdmission())
        store.registerAdmissionPlugin(PodSecurityAdmission())
        store.registerAdmissionPlugin(LeaseValidation())
    }

    public var isRunning: Bool { running.withLock { $0 != nil } }

    /// Starts every controller (no-op when already running). The `local-path`
    /// StorageClass exists when this returns.
    public func start() {
        let configuration = configuration
        let store = store
        running.withLock { task in
            guard task == nil else { return }
            let timing = configuration.timing
            let provisioner = LocalPathProvisioner(store: store, nodeName: configuration.nodeName,
                dataDirectory: configuration.dataDirectory, timing: timing)
            provisioner.ensureStorageClass()
            let scheduler = Scheduler(store: store, nodeName: configuration.nodeName, timing: timing)
            let protection = PVCProtectionController(store: store, timing: timing)
            let jobs = JobController(store: store, timing: timing)
            let deployments = DeploymentController(store: store, timing: timing)
            let replicaSets = ReplicaSetController(store: store, timing: timing)
            let ttl = TTLController(store: store, timing: timing)
            let collector = GarbageCollector(store: store)
            let serviceAccounts = ServiceAccountsController(store: store, timing: timing)
            let rootCA = RootCAPublisher(store: store, rootCAPEM: configuration.rootCAPEM, timing: timing)
            let kueue = configuration.kueue ? KueueController(store: store, timing: timing) : nil
            task = Task {
                await withTaskGroup(of: Void.self) { group in
                    group.addTask { await scheduler.run() }
                    group.addTask { await provisioner.run() }
                    group.addTask { await protection.run() }
                    group.addTask { await jobs.run() }
                    group.addTask { await deployments.run() }
                    group.addTask { await replicaSets.run() }
                    group.addTask { await ttl.run() }
                    group.addTask { await collector.run() }
                    group.addTask { await serviceAccounts.run() }
                    group.addTask { await rootCA.run() }
                    if let kueue { group.addTask { await kueue.run() } }
                }
            }
        }
    }

    /// Stops every controller and waits until they have returned. Admission stays installed.
    public func stop() async {
        let task = running.withLock { task -> Task<Void, Never>? in
            defer { task = nil }
            return task
        }
        task?.cancel()
        await task?.value
    }
}
