import FlightdeckCore
import KubeModel

/// kube-controller-manager's pvc-protection controller: a claim being deleted keeps its
/// `kubernetes.io/pvc-protection` finalizer while a scheduled pod still references it, so a
/// workspace is never pulled from under a running agent; once no such pod remains the
/// finalizer goes and the claim with it.
///
/// Like upstream, only scheduled pods count (an unscheduled pod has not started and the
/// scheduler will not place it on a claim being deleted), and a finished pod still counts
/// until it is deleted.
///
/// Run once (`run()` until cancelled); `ControlPlane` does this.
public final class PVCProtectionController: QueueDrivenController {
    public let store: APIStore
    let timing: SimTiming
    let queue = WorkQueue<ObjectKey>()

    public init(store: APIStore, timing: SimTiming = .realTime) {
        self.store = store
        self.timing = timing
    }

    public func run() async { await runLoop() }

    var sources: [ControllerSource] {
        [
            .watch(.persistentVolumeClaims) { [queue] event in
                if event.type != .deleted, ControllerRuntime.isBeingDeleted(event.object),
                    let key = ObjectKey(event.object)
                {
                    queue.add(key)
                }
            },
            .watch(.pods) { [queue] event in
                // A pod going away (or finishing) may free the claims it used.
                let pod = Pod(json: event.object)
                for claim in pod.spec.volumes.compactMap(\.claimName) {
                    queue.add(ObjectKey(namespace: pod.namespace, name: claim))
                }
            },
        ]
    }

    func sync(_ key: ObjectKey) {
        guard let claim = try? store.get(type: .persistentVolumeClaims, namespace: key.namespace, name: key.name),
            ControllerRuntime.isBeingDeleted(claim),
            ObjectMeta(json: claim["metadata"] ?? .emptyObject).finalizers.contains(StorageProtectionAdmission.pvcFinalizer)
        else { return }
        let inUse = ControllerRuntime.list(store, .pods, namespace: key.namespace).contains { json in
            let pod = Pod(json: json)
            guard let node = pod.spec.nodeName, !node.isEmpty else { return false }
            return pod.spec.volumes.contains { $0.claimName == key.name }
        }
        if !inUse {
            ControllerRuntime.removeFinalizer(store, .persistentVolumeClaims, namespace: key.namespace, name: key.name,
                StorageProtectionAdmission.pvcFinalizer)
        }
    }
}
