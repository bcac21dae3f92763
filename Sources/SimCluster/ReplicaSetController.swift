import FlightdeckCore
import Foundation
import KubeModel

/// kube-controller-manager's ReplicaSet controller: keeps `spec.replicas` pods of the
/// template running, which is what makes a Deployment's revisions (and so Flightdeck's
/// egress proxy and NATS) have pods at all.
///
/// What it keeps true:
/// - pods come from the template, named `<replicaset>-xxxxx`, owned by the ReplicaSet
///   (controller, `blockOwnerDeletion`); an orphan pod its selector matches is adopted;
/// - only active pods count (not finished, not being deleted): a pod that fails or is
///   deleted is replaced; extra pods are deleted, the least useful first
///   (`ReplicaSetRules.deletionOrder`);
/// - `status`: replicas, fullyLabeledReplicas, readyReplicas, availableReplicas (ready for
///   `minReadySeconds`), observedGeneration, and `ReplicaFailure` while the API refuses
///   pods (PodSecurity, a terminating namespace);
/// - the Events `kubectl describe` shows: SuccessfulCreate, FailedCreate (with the
///   admission message), SuccessfulDelete, FailedDelete.
///
/// Run once (`run()` until cancelled); `ControlPlane` does this.
public final class ReplicaSetController: QueueDrivenController {
    /// Upstream's `BurstReplicas`: at most this many pods created or deleted per sync.
    static let burstReplicas = 500

    public let store: APIStore
    let timing: SimTiming
    let events: EventRecorder
    let queue = WorkQueue<ObjectKey>()

    public init(store: APIStore, timing: SimTiming = .realTime) {
        self.store = store
        self.timing = timing
        events = EventRecorder(store: store, component: "replicaset-controller")
    }

    public func run() async { await runLoop() }

    var sources: [ControllerSource] {
        [
            .watch(.replicaSets) { [queue] event in
                if let key = ObjectKey(event.object) { queue.add(key) }
            },
            .watch(.pods) { [weak self, queue] event in
                let meta = ObjectMeta(json: event.object["metadata"] ?? .emptyObject)
                if let owner = meta.controllerReference {
                    if owner.kind == "ReplicaSet", owner.apiVersion == "apps/v1", let name = owner.name {
                        queue.add(ObjectKey(namespace: meta.namespace, name: name))
                    }
                } else if event.type != .deleted, !meta.isBeingDeleted {
                    self?.queueSelecting(meta)
                }
            },
        ]
    }

    /// Queues the ReplicaSets whose selector matches an orphan pod (they may adopt it).
    func queueSelecting(_ pod: ObjectMeta) {
        for replicaSet in ControllerRuntime.list(store, .replicaSets, namespace: pod.namespace).map(ReplicaSet.init(json:)) {
            guard let selector = try? replicaSet.selector.selector, !replicaSet.selector.json.isEmptyObject,
                selector.matches(pod.labels), let name = replicaSet.name
            else { continue }
            queue.add(ObjectKey(namespace: pod.namespace, name: name))
        }
    }

    // MARK: - Sync

    func sync(_ key: ObjectKey) {
        guard let json = try? store.get(type: .replicaSets, namespace: key.namespace, name: key.name) else { return }
        let replicaSet = ReplicaSet(json: json)
        guard replicaSet.metadata.uid != nil else { return }
        let now = store.clock()
        let active = claimPods(replicaSet, json: json).filter(ReplicaSetRules.isActive)
        var failure: ReplicaSetRules.Failure?
        if !replicaSet.metadata.isBeingDeleted {
            failure = manageReplicas(replicaSet, json: json, active: active)
        }
        let status = ReplicaSetRules.status(replicaSet, active: active, failure: failure, now: now)
        writeStatus(key, status)
        if failure != nil {
            queue.add(key, after: timing.duration(seconds: 10))
        } else if let next = ReplicaSetRules.nextAvailable(active, minReadySeconds: replicaSet.minReadySeconds,
            now: now)
        {
            queue.add(key, after: timing.duration(seconds: max(0.001, next.timeIntervalSince(now))))
        }
    }

    /// The pods the ReplicaSet owns, after adopting the orphans its selector matches
    /// (upstream's `ClaimPods`, without releasing pods whose labels changed).
    func claimPods(_ replicaSet: ReplicaSet, json: JSONValue) -> [Pod] {
        let uid = replicaSet.metadata.uid
        let selector = try? replicaSet.selector.selector
        let canAdopt = !replicaSet.metadata.isBeingDeleted && !replicaSet.selector.json.isEmptyObject && selector != nil
        var owned: [Pod] = []
        for pod in ControllerRuntime.list(store, .pods, namespace: replicaSet.namespace).map(Pod.init(json:)) {
            if let owner = pod.metadata.controllerReference {
                if owner.uid == uid { owned.append(pod) }
                continue
            }
            guard canAdopt, ReplicaSetRules.isActive(pod), let selector, selector.matches(pod.metadata.labels),
                let adopted = adopt(pod, by: replicaSet)
            else { continue }
            owned.append(adopted)
        }
        return owned
    }

    func adopt(_ pod: Pod, by replicaSet: ReplicaSet) -> Pod? {
        guard let name = pod.name else { return nil }
        let reference = OwnerReference.controller(replicaSet)
        let stored = try? ControllerRuntime.modify(store, .pods, namespace: pod.namespace, name: name) { object in
            var meta = ObjectMeta(json: object["metadata"] ?? .emptyObject)
            guard meta.controllerReference == nil, !meta.isBeingDeleted else { return false }
            meta.ownerReferences = meta.ownerReferences + [reference]
            object.setMember("metadata", meta.json)
            return true
        }
        return stored.map(Pod.init(json:))
    }

    /// Creates or deletes pods until `spec.replicas` are active; the failure, if the API
    /// refused any.
    func manageReplicas(_ replicaSet: ReplicaSet, json: JSONValue, active: [Pod]) -> ReplicaSetRules.Failure? {
        let diff = active.count - DeploymentRollout.replicas(replicaSet)
        if diff < 0 {
            for _ in 0..<min(-diff, Self.burstReplicas) {
                if let message = createPod(replicaSet, json: json) {
                    return ReplicaSetRules.Failure(reason: "FailedCreate", message: message)
                }
            }
        } else if diff > 0 {
            for pod in ReplicaSetRules.deletionOrder(active).prefix(min(diff, Self.burstReplicas)) {
                if let message = deletePod(pod, replicaSet: json) {
                    return ReplicaSetRules.Failure(reason: "FailedDelete", message: message)
                }
            }
        }
        return nil
    }

    /// Creates one pod from the template; the API's message when it refuses.
    func createPod(_ replicaSet: ReplicaSet, json: JSONValue) -> String? {
        PodControl(store: store, events: events).createPod(from: replicaSet.template, owner: replicaSet, ownerJSON: json,
            defaultName: "replicaset")
    }

    /// Deletes one pod; the API's message when it refuses (a pod already gone is fine).
    func deletePod(_ pod: Pod, replicaSet: JSONValue) -> String? {
        guard let name = pod.name else { return nil }
        do {
            _ = try store.delete(type: .pods, namespace: pod.namespace, name: name)
            events.record(replicaSet, type: .normal, reason: "SuccessfulDelete", message: "Deleted pod: \(name)")
            return nil
        } catch {
            if error.code == 404 { return nil }
            let message = error.message ?? "unknown error"
            events.record(replicaSet, type: .warning, reason: "FailedDelete", message: "Error deleting: \(message)")
            return message
        }
    }

    func writeStatus(_ key: ObjectKey, _ status: JSONValue) {
        do {
            try ControllerRuntime.modify(store, .replicaSets, namespace: key.namespace, name: key.name, status: true) {
                object in
                guard !StoreState.sameContent(object["status"] ?? .emptyObject, status) else { return false }
                object.setMember("status", status)
                return true
            }
        } catch {
            queue.add(key, after: timing.duration(seconds: 1))
        }
    }
}
