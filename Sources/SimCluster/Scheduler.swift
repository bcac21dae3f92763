import FlightdeckCore
import Foundation
import KubeModel

/// kube-scheduler for the simulated cluster's single node: binds each pending pod once its
/// volumes allow it, and explains why not otherwise, as the real scheduler's VolumeBinding
/// and NodeAffinity plugins do.
///
/// Volume rules (why pods wait): a claim that does not exist, or is being deleted, makes
/// the pod unschedulable; a bound claim must be usable on the node (its PV's node
/// affinity); an unbound claim of a `WaitForFirstConsumer` class gets the
/// `volume.kubernetes.io/selected-node` annotation so its provisioner creates the volume
/// on this node, and the pod waits (without an Unschedulable condition, as upstream's
/// PreBind waits) until the claim is bound; an unbound claim of any other class is an
/// "unbound immediate" claim, and the pod is unschedulable until it binds.
///
/// Run once (`run()` until cancelled); `ControlPlane` does this.
public final class Scheduler: QueueDrivenController {
    public static let selectedNodeAnnotation = "volume.kubernetes.io/selected-node"
    static let preemptionSuffix = " preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling."

    public let store: APIStore
    public let nodeName: String
    let timing: SimTiming
    let events: EventRecorder
    let queue = WorkQueue<ObjectKey>()

    public init(store: APIStore, nodeName: String = "flightdeck-sim", timing: SimTiming = .realTime) {
        self.store = store
        self.nodeName = nodeName
        self.timing = timing
        events = EventRecorder(store: store, component: "default-scheduler")
    }

    /// The labels the node carries (what a `nodeSelector` is matched against).
    public var nodeLabels: [String: String] {
        ["kubernetes.io/hostname": nodeName, "kubernetes.io/os": "linux", "kubernetes.io/arch": Self.architecture,
            "node-role.kubernetes.io/control-plane": "true", "node-role.kubernetes.io/master": "true"]
    }

    static var architecture: String {
        #if arch(arm64)
        "arm64"
        #else
        "amd64"
        #endif
    }

    public func run() async { await runLoop() }

    var sources: [ControllerSource] {
        [
            .watch(.pods) { [queue] event in
                if event.type != .deleted, Self.isPending(event.object), let key = ObjectKey(event.object) {
                    queue.add(key)
                }
            },
            .watch(.persistentVolumeClaims) { [weak self] event in self?.claimChanged(event.object) },
            // Unschedulable pods are retried periodically too, as upstream flushes them.
            .resync(every: 30, timing: timing) { [weak self] in self?.enqueueAllPending() },
        ]
    }

    static func isPending(_ pod: JSONValue) -> Bool {
        (pod[path: ["spec", "nodeName"]]?.stringValue ?? "").isEmpty && !ControllerRuntime.isBeingDeleted(pod)
            && (pod[path: ["spec", "schedulerName"]]?.stringValue ?? "default-scheduler") == "default-scheduler"
    }

    func claimChanged(_ claim: JSONValue) {
        guard let namespace = claim[path: ["metadata", "namespace"]]?.stringValue,
            let claimName = claim[path: ["metadata", "name"]]?.stringValue
        else { return }
        for pod in ControllerRuntime.list(store, .pods, namespace: namespace) where Self.isPending(pod) {
            let claims = Pod(json: pod).spec.volumes.compactMap(\.claimName)
            if claims.contains(claimName), let key = ObjectKey(pod) { queue.add(key) }
        }
    }

    func enqueueAllPending() {
        for pod in ControllerRuntime.list(store, .pods) where Self.isPending(pod) {
            if let key = ObjectKey(pod) { queue.add(key) }
        }
    }

    enum Verdict: Equatable {
        case bind
        /// Waiting for a provisioner; re-checked when the claim changes.
        case waitForVolumes
        case unschedulable(String)
    }

    func sync(_ key: ObjectKey) {
        guard let pod = try? store.get(type: .pods, namespace: key.namespace, name: key.name), Self.isPending(pod)
        else { return }
        switch verdict(for: Pod(json: pod), namespace: key.namespace ?? "default") {
        case .waitForVolumes:
            return
        case .unschedulable(let message):
            markUnschedulable(pod, key: key, message: message)
        case .bind:
            bind(key)
        }
    }

    func verdict(for pod: Pod, namespace: String) -> Verdict {
        let selector = pod.spec.nodeSelector
        let labels = nodeLabels
        if selector.contains(where: { labels[$0.key] != $0.value }) {
            return .unschedulable("0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector."
                + Self.preemptionSuffix)
        }
        var waiting = false
        for volume in pod.spec.volumes {
            guard let claimName = volume.claimName else { continue }
            guard let claimJSON = try? store.get(type: .persistentVolumeClaims, namespace: namespace, name: claimName)
            else {
                return .unschedulable("0/1 nodes are available: persistentvolumeclaim \"\(claimName)\" not found."
                    + Self.preemptionSuffix)
            }
            let claim = PersistentVolumeClaim(json: claimJSON)
            if claim.metadata.isBeingDeleted {
                return .unschedulable("0/1 nodes are available: persistentvolumeclaim \"\(claimName)\" is being deleted."
                    + Self.preemptionSuffix)
            }
            if let volumeName = claim.spec.volumeName, !volumeName.isEmpty, claim.phase == "Bound" {
                if let pvJSON = try? store.get(type: .persistentVolumes, name: volumeName) {
                    let nodes = PersistentVolume(json: pvJSON).spec.requiredNodeNames
                    if !nodes.isEmpty, !nodes.contains(nodeName) {
                        return .unschedulable("0/1 nodes are available: 1 node(s) had volume node affinity conflict."
                            + Self.preemptionSuffix)
                    }
                }
                continue
            }
            let className = claim.spec.storageClassName ?? ""
            let storageClass = (try? store.get(type: .storageClasses, name: className)).map(StorageClass.init(json:))
            guard storageClass?.volumeBindingMode == "WaitForFirstConsumer" else {
                return .unschedulable("0/1 nodes are available: pod has unbound immediate PersistentVolumeClaims."
                    + Self.preemptionSuffix)
            }
            waiting = true
            if claim.metadata.annotations[Self.selectedNodeAnnotation] != nodeName {
                _ = try? ControllerRuntime.modify(store, .persistentVolumeClaims, namespace: namespace,
                    name: claimName) { object in
                    var meta = ObjectMeta(json: object["metadata"] ?? .emptyObject)
                    meta.annotations[Self.selectedNodeAnnotation] = self.nodeName
                    object.setMember("metadata", meta.json)
                    return true
                }
            }
        }
        return waiting ? .waitForVolumes : .bind
    }

    func markUnschedulable(_ pod: JSONValue, key: ObjectKey, message: String) {
        let now = store.clock()
        let changed = (try? ControllerRuntime.modify(store, .pods, namespace: key.namespace, name: key.name,
            status: true) { object in
            var status = PodStatus(json: object["status"] ?? .emptyObject)
            var conditions = status.conditions
            if let existing = conditions.first(type: "PodScheduled"), existing.status == .false,
                existing.reason == "Unschedulable", existing.message == message
            {
                return false
            }
            var condition = Condition(type: "PodScheduled", status: .false, reason: "Unschedulable", message: message,
                lastTransitionTime: now)
            condition.json.setMember("lastProbeTime", .null)
            conditions.set(condition)
            status.conditions = conditions
            object.setMember("status", status.json)
            return true
        }) ?? nil
        if changed != nil {
            events.record(pod, type: .warning, reason: "FailedScheduling", message: message)
        }
    }

    func bind(_ key: ObjectKey) {
        guard let bound = try? ControllerRuntime.modify(store, .pods, namespace: key.namespace, name: key.name,
            { object in
                guard Self.isPending(object) else { return false }
                object[path: ["spec", "nodeName"]] = .string(self.nodeName)
                return true
            })
        else { return }
        let now = store.clock()
        _ = try? ControllerRuntime.modify(store, .pods, namespace: key.namespace, name: key.name, status: true) {
            object in
            var status = PodStatus(json: object["status"] ?? .emptyObject)
            var conditions = status.conditions
            var condition = Condition(type: "PodScheduled", status: .true, lastTransitionTime: now)
            condition.json.setMember("lastProbeTime", .null)
            conditions.set(condition)
            status.conditions = conditions
            object.setMember("status", status.json)
            return true
        }
        events.record(bound, type: .normal, reason: "Scheduled",
            message: "Successfully assigned \(key.namespace ?? "default")/\(key.name) to \(nodeName)")
    }
}
