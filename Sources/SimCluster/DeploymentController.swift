import FlightdeckCore
import Foundation
import KubeModel

/// kube-controller-manager's Deployment controller: each revision of the pod template is a
/// ReplicaSet, and a rollout moves the pods from the old ones to the new one. This is what
/// runs Flightdeck's egress proxy and in-cluster NATS.
///
/// What it keeps true:
/// - the new revision is the ReplicaSet whose template equals the Deployment's (the
///   `pod-template-hash` label aside); a new one is named `<deployment>-<hash>`, carries the
///   hash label on its selector, template and itself, is owned by the Deployment
///   (controller, `blockOwnerDeletion`) and has the `deployment.kubernetes.io/revision`
///   annotation (so has the Deployment); orphan ReplicaSets the selector matches are adopted;
/// - RollingUpdate: the new ReplicaSet grows within `maxSurge`, the old ones shrink as far as
///   `maxUnavailable` allows, unhealthy pods first (with one replica and the defaults: the
///   new pod starts, then the old one goes once the new one is available); Recreate: the
///   old ReplicaSets go to zero, and only when none of their pods runs is the new one
///   scaled up; `spec.paused` stops rollouts but not scaling;
/// - `status` from the ReplicaSets' statuses (observedGeneration, replicas, updated, ready,
///   available, unavailable), conditions `Available` (MinimumReplicasAvailable /
///   MinimumReplicasUnavailable), `Progressing` (NewReplicaSetCreated, FoundNewReplicaSet,
///   ReplicaSetUpdated, NewReplicaSetAvailable, ProgressDeadlineExceeded after
///   `progressDeadlineSeconds` without progress, DeploymentPaused/DeploymentResumed,
///   ReplicaSetCreateError) and `ReplicaFailure` copied from a ReplicaSet that cannot
///   create pods;
/// - old ReplicaSets beyond `revisionHistoryLimit` are deleted once a rollout completes;
/// - Events: ScalingReplicaSet (`Scaled up replica set X from 0 to 1`),
///   ReplicaSetCreateError, SelectingAll.
///
/// Deleting a Deployment removes its ReplicaSets and their pods through the garbage
/// collector (owner references), as upstream.
///
/// Run once (`run()` until cancelled); `ControlPlane` does this.
public final class DeploymentController: QueueDrivenController {
    public let store: APIStore
    let timing: SimTiming
    let events: EventRecorder
    let queue = WorkQueue<ObjectKey>()

    /// A sync that must stop here and run again later (a write failed, a name collided).
    struct Retry: Error {}

    public init(store: APIStore, timing: SimTiming = .realTime) {
        self.store = store
        self.timing = timing
        events = EventRecorder(store: store, component: "deployment-controller")
    }

    public func run() async { await runLoop() }

    var sources: [ControllerSource] {
        [
            .watch(.deployments) { [queue] event in
                if event.type != .deleted, let key = ObjectKey(event.object) { queue.add(key) }
            },
            .watch(.replicaSets) { [weak self, queue] event in
                let meta = ObjectMeta(json: event.object["metadata"] ?? .emptyObject)
                if let owner = meta.controllerReference {
                    if owner.kind == "Deployment", owner.apiVersion == "apps/v1", let name = owner.name {
                        queue.add(ObjectKey(namespace: meta.namespace, name: name))
                    }
                } else if event.type != .deleted {
                    self?.queueSelecting(meta)
                }
            },
            // Recreate waits for the old pods to be gone.
            .watch(.pods) { [weak self] event in
                if event.type == .deleted { self?.podDeleted(event.object) }
            },
        ]
    }

    /// Queues the Deployments whose selector matches an orphan ReplicaSet (they may adopt it).
    func queueSelecting(_ replicaSet: ObjectMeta) {
        for deployment in ControllerRuntime.list(store, .deployments, namespace: replicaSet.namespace)
            .map(Deployment.init(json:))
        {
            guard !DeploymentRollout.selectsEverything(deployment.selector),
                let selector = try? deployment.selector.selector, selector.matches(replicaSet.labels),
                let name = deployment.name
            else { continue }
            queue.add(ObjectKey(namespace: replicaSet.namespace, name: name))
        }
    }

    func podDeleted(_ pod: JSONValue) {
        let meta = ObjectMeta(json: pod["metadata"] ?? .emptyObject)
        guard let owner = meta.controllerReference, owner.kind == "ReplicaSet", let name = owner.name,
            let replicaSet = try? store.get(type: .replicaSets, namespace: meta.namespace, name: name),
            let deployment = ObjectMeta(json: replicaSet["metadata"] ?? .emptyObject).controllerReference,
            deployment.kind == "Deployment", let deploymentName = deployment.name
        else { return }
        queue.add(ObjectKey(namespace: meta.namespace, name: deploymentName))
    }

    // MARK: - Sync

    func sync(_ key: ObjectKey) {
        guard let json = try? store.get(type: .deployments, namespace: key.namespace, name: key.name) else { return }
        var deployment = Deployment(json: json)
        guard deployment.metadata.uid != nil else { return }
        do {
            if DeploymentRollout.selectsEverything(deployment.selector) {
                events.record(json, type: .warning, reason: "SelectingAll",
                    message: "This deployment is selecting all pods. A non-empty selector is required.")
                var status = deployment.json["status"] ?? .emptyObject
                status.setMember("observedGeneration", .integer(deployment.metadata.generation ?? 0))
                try writeStatus(key, status)
                return
            }
            let replicaSets = claimReplicaSets(deployment)
            if deployment.metadata.isBeingDeleted {
                let (newRS, old) = try replicaSetsAndRevision(&deployment, replicaSets, create: false)
                try syncStatus(&deployment, new: newRS, all: old + (newRS.map { [$0] } ?? []), rollout: false)
                return
            }
            try checkPaused(&deployment)
            if deployment.paused {
                try scaleOnly(&deployment, replicaSets)
            } else if deployment.strategyType == "Recreate" {
                try rolloutRecreate(&deployment, replicaSets)
            } else {
                try rolloutRolling(&deployment, replicaSets)
            }
        } catch {
            queue.add(key, after: timing.duration(seconds: 1))
        }
    }

    /// The ReplicaSets the Deployment owns, after adopting the orphans its selector matches.
    func claimReplicaSets(_ deployment: Deployment) -> [ReplicaSet] {
        let uid = deployment.metadata.uid
        let selector = try? deployment.selector.selector
        var owned: [ReplicaSet] = []
        for replicaSet in ControllerRuntime.list(store, .replicaSets, namespace: deployment.namespace)
            .map(ReplicaSet.init(json:))
        {
            if let owner = replicaSet.metadata.controllerReference {
                if owner.uid == uid { owned.append(replicaSet) }
                continue
            }
            guard !deployment.metadata.isBeingDeleted, !replicaSet.metadata.isBeingDeleted, let selector,
                selector.matches(replicaSet.metadata.labels), let name = replicaSet.name
            else { continue }
            let reference = OwnerReference.controller(deployment)
            let adopted = try? ControllerRuntime.modify(store, .replicaSets, namespace: deployment.namespace,
                name: name)
            { object in
                var meta = ObjectMeta(json: object["metadata"] ?? .emptyObject)
                guard meta.controllerReference == nil, !meta.isBeingDeleted else { return false }
                meta.ownerReferences = meta.ownerReferences + [reference]
                object.setMember("metadata", meta.json)
                return true
            }
            if let adopted { owned.append(ReplicaSet(json: adopted)) }
        }
        return DeploymentRollout.sortedByCreation(owned)
    }

    // MARK: - Strategies

    func rolloutRolling(_ deployment: inout Deployment, _ replicaSets: [ReplicaSet]) throws {
        let (found, old) = try replicaSetsAndRevision(&deployment, replicaSets, create: true)
        guard var newRS = found else { return }
        let desired = DeploymentRollout.desired(deployment)
        let current = DeploymentRollout.replicas(newRS)
        if current != desired {
            let target = current > desired ? desired
                : DeploymentRollout.newReplicaCount(deployment, all: old + [newRS], newReplicas: current)
            if target != current {
                newRS = try scale(newRS, to: target, deployment: deployment)
                try syncStatus(&deployment, new: newRS, all: old + [newRS], rollout: true)
                return
            }
        }
        var oldSets = old
        let downs = DeploymentRollout.oldScaleDowns(deployment, old: old, new: newRS)
        for (replicaSet, size) in downs {
            let scaled = try scale(replicaSet, to: size, deployment: deployment)
            if let index = oldSets.firstIndex(where: { $0.metadata.uid == scaled.metadata.uid }) { oldSets[index] = scaled }
        }
        if downs.isEmpty, DeploymentRollout.isComplete(deployment, deployment.json["status"] ?? .emptyObject) {
            cleanUp(deployment, old: oldSets)
        }
        try syncStatus(&deployment, new: newRS, all: oldSets + [newRS], rollout: true)
    }

    func rolloutRecreate(_ deployment: inout Deployment, _ replicaSets: [ReplicaSet]) throws {
        var (newRS, old) = try replicaSetsAndRevision(&deployment, replicaSets, create: false)
        var scaledDown = false
        for (index, replicaSet) in old.enumerated() where DeploymentRollout.replicas(replicaSet) > 0 {
            old[index] = try scale(replicaSet, to: 0, deployment: deployment)
            scaledDown = true
        }
        if scaledDown || oldPodsRunning(new: newRS, old: old, namespace: deployment.namespace) {
            try syncStatus(&deployment, new: newRS, all: old + (newRS.map { [$0] } ?? []), rollout: true)
            return
        }
        if newRS == nil { (newRS, old) = try replicaSetsAndRevision(&deployment, replicaSets, create: true) }
        if var scaled = newRS {
            let desired = DeploymentRollout.desired(deployment)
            if DeploymentRollout.replicas(scaled) != desired { scaled = try scale(scaled, to: desired, deployment: deployment) }
            newRS = scaled
        }
        if DeploymentRollout.isComplete(deployment, deployment.json["status"] ?? .emptyObject) {
            cleanUp(deployment, old: old)
        }
        try syncStatus(&deployment, new: newRS, all: old + (newRS.map { [$0] } ?? []), rollout: true)
    }

    /// A paused Deployment (upstream's `sync`): no new revision, but a changed replica count
    /// still reaches the one ReplicaSet with pods (or the newest).
    func scaleOnly(_ deployment: inout Deployment, _ replicaSets: [ReplicaSet]) throws {
        var (newRS, old) = try replicaSetsAndRevision(&deployment, replicaSets, create: false)
        let desired = DeploymentRollout.desired(deployment)
        if let target = DeploymentRollout.activeOrLatest(new: newRS, old: old),
            DeploymentRollout.replicas(target) != desired
        {
            let scaled = try scale(target, to: desired, deployment: deployment)
            if newRS?.metadata.uid == scaled.metadata.uid {
                newRS = scaled
            } else if let index = old.firstIndex(where: { $0.metadata.uid == scaled.metadata.uid }) {
                old[index] = scaled
            }
        }
        cleanUp(deployment, old: old)
        try syncStatus(&deployment, new: newRS, all: old + (newRS.map { [$0] } ?? []), rollout: false)
    }

    /// Upstream's `checkPausedConditions`: Progressing says when a rollout is paused or resumed.
    func checkPaused(_ deployment: inout Deployment) throws {
        guard DeploymentRollout.hasProgressDeadline(deployment) else { return }
        var status = deployment.status
        var conditions = status.conditions
        let progressing = conditions.first(type: DeploymentRollout.progressingType)
        if progressing?.reason == "ProgressDeadlineExceeded" { return }
        let pausedNoted = progressing?.reason == "DeploymentPaused"
        let now = store.clock()
        if deployment.paused, !pausedNoted {
            DeploymentRollout.set(DeploymentRollout.condition(DeploymentRollout.progressingType, .unknown,
                reason: "DeploymentPaused", message: "Deployment is paused", now: now), in: &conditions)
        } else if !deployment.paused, pausedNoted {
            DeploymentRollout.set(DeploymentRollout.condition(DeploymentRollout.progressingType, .unknown,
                reason: "DeploymentResumed", message: "Deployment is resumed", now: now), in: &conditions)
        } else {
            return
        }
        status.conditions = conditions
        deployment.status = status
        try writeStatus(ObjectKey(deployment.json)!, status.json)
    }

    /// Whether a pod of an old revision still runs (Recreate never runs both at once).
    func oldPodsRunning(new newRS: ReplicaSet?, old: [ReplicaSet], namespace: String?) -> Bool {
        if old.contains(where: { ($0.status.replicas ?? 0) > 0 }) { return true }
        let oldUIDs = Set(old.compactMap(\.metadata.uid))
        return ControllerRuntime.list(store, .pods, namespace: namespace).map(Pod.init(json:)).contains { pod in
            guard let owner = pod.metadata.controllerReference?.uid, oldUIDs.contains(owner) else { return false }
            let phase = pod.status.phase
            return phase != .failed && phase != .succeeded && phase != .unknown
        }
    }

    // MARK: - Revisions

    /// Upstream's `getAllReplicaSetsAndSyncRevision`: the new revision (created when
    /// `create` and missing) and the old ones, with the revision annotations brought up to
    /// date on the new ReplicaSet and on the Deployment.
    func replicaSetsAndRevision(_ deployment: inout Deployment, _ replicaSets: [ReplicaSet], create: Bool) throws
        -> (new: ReplicaSet?, old: [ReplicaSet])
    {
        let template = deployment.json[path: ["spec", "template"]] ?? .emptyObject
        let existing = replicaSets.first {
            DeploymentRollout.sameRevision($0.json[path: ["spec", "template"]] ?? .emptyObject, template)
        }
        let old = replicaSets.filter { $0.metadata.uid != existing?.metadata.uid }
        let newRevision = (old.map(DeploymentRollout.revision).max() ?? 0) + 1
        if let existing {
            var replicaSet = existing
            if let updated = try syncAnnotations(existing, deployment: deployment, revision: newRevision) {
                replicaSet = updated
            }
            try setRevision(&deployment, replicaSet.metadata.annotations[DeploymentRollout.revisionAnnotation] ?? "")
            if DeploymentRollout.hasProgressDeadline(deployment),
                deployment.status.conditions.first(type: DeploymentRollout.progressingType) == nil
            {
                try noteProgress(&deployment, reason: "FoundNewReplicaSet",
                    message: "Found new replica set \"\(replicaSet.name ?? "")\"")
            }
            return (replicaSet, old)
        }
        guard create else { return (nil, old) }
        return (try createReplicaSet(&deployment, old: old, revision: newRevision), old)
    }

    func createReplicaSet(_ deployment: inout Deployment, old: [ReplicaSet], revision: Int) throws -> ReplicaSet {
        let key = ObjectKey(deployment.json)!
        let collisions = deployment.status.collisionCount
        let template = deployment.json[path: ["spec", "template"]] ?? .emptyObject
        let hash = DeploymentRollout.podTemplateHash(template, collisionCount: collisions)
        let newTemplate = DeploymentRollout.template(template, hash: hash)
        let name = "\(deployment.name ?? "")-\(hash)"
        let replicas = DeploymentRollout.newReplicaCount(deployment, all: old, newReplicas: 0)
        var meta = ObjectMeta()
        meta.name = name
        meta.namespace = deployment.namespace
        meta.labels = ObjectMeta(json: newTemplate["metadata"] ?? .emptyObject).labels
        meta.annotations = annotations(for: deployment, existing: [:], revision: revision)
        meta.ownerReferences = [OwnerReference.controller(deployment)]
        var spec: JSONValue = ["replicas": .integer(Int64(replicas))]
        if deployment.minReadySeconds > 0 { spec.setMember("minReadySeconds", .integer(Int64(deployment.minReadySeconds))) }
        spec.setMember("selector", DeploymentRollout.selector(deployment.selector.json, hash: hash))
        spec.setMember("template", newTemplate)
        let body: JSONValue = ["apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": meta.json, "spec": spec]
        let created: JSONValue
        do {
            created = try store.create(body, type: .replicaSets, namespace: deployment.namespace)
        } catch where error.code == 409 {
            // The name is taken. Ours with the same template: a previous sync made it.
            if let taken = try? store.get(type: .replicaSets, namespace: deployment.namespace, name: name),
                ObjectMeta(json: taken["metadata"] ?? .emptyObject).controllerReference?.uid == deployment.metadata.uid,
                DeploymentRollout.sameRevision(taken[path: ["spec", "template"]] ?? .emptyObject, template)
            {
                return ReplicaSet(json: taken)
            }
            // Another object has it: the next hash includes one more collision.
            var status = deployment.json["status"] ?? .emptyObject
            status.setMember("collisionCount", .integer(Int64((collisions ?? 0) + 1)))
            try? writeStatus(key, status)
            throw Retry()
        } catch {
            let message = "Failed to create new replica set \"\(name)\": \(error.message ?? "unknown error")"
            if DeploymentRollout.hasProgressDeadline(deployment) {
                var conditions = deployment.status.conditions
                DeploymentRollout.set(DeploymentRollout.condition(DeploymentRollout.progressingType, .false,
                    reason: "ReplicaSetCreateError", message: message, now: store.clock()), in: &conditions)
                var status = deployment.status
                status.conditions = conditions
                try? writeStatus(key, status.json)
            }
            events.record(deployment.json, type: .warning, reason: "ReplicaSetCreateError", message: message)
            throw Retry()
        }
        if replicas > 0 {
            events.record(deployment.json, type: .normal, reason: "ScalingReplicaSet",
                message: "Scaled up replica set \(name) from 0 to \(replicas)")
        }
        try setRevision(&deployment, String(revision))
        if DeploymentRollout.hasProgressDeadline(deployment) {
            try noteProgress(&deployment, reason: "NewReplicaSetCreated", message: "Created new replica set \"\(name)\"")
        }
        return ReplicaSet(json: created)
    }

    /// The new ReplicaSet's annotations: the Deployment's (but its own bookkeeping), the
    /// revision, and the replica counts a scaling decision was made for.
    func annotations(for deployment: Deployment, existing: [String: String], revision: Int) -> [String: String] {
        var result = existing
        for (key, value) in deployment.metadata.annotations where !DeploymentRollout.annotationsNotCopied.contains(key) {
            result[key] = value
        }
        let oldRevision = existing[DeploymentRollout.revisionAnnotation]
        if (Int(oldRevision ?? "") ?? 0) < revision {
            result[DeploymentRollout.revisionAnnotation] = String(revision)
            // A revision brought back (`kubectl rollout undo`) remembers the numbers it had.
            if let oldRevision {
                result[DeploymentRollout.revisionHistoryAnnotation] = DeploymentRollout.revisionHistory(
                    existing[DeploymentRollout.revisionHistoryAnnotation], adding: oldRevision)
            }
        }
        let desired = DeploymentRollout.desired(deployment)
        result[DeploymentRollout.desiredReplicasAnnotation] = String(desired)
        result[DeploymentRollout.maxReplicasAnnotation] = String(desired + DeploymentRollout.maxSurge(deployment))
        return result
    }

    /// Brings an existing new revision's annotations and `minReadySeconds` up to date;
    /// the stored ReplicaSet when something changed.
    func syncAnnotations(_ replicaSet: ReplicaSet, deployment: Deployment, revision: Int) throws -> ReplicaSet? {
        guard let name = replicaSet.name else { return nil }
        let wanted = annotations(for: deployment, existing: replicaSet.metadata.annotations, revision: revision)
        let minReady = deployment.minReadySeconds
        guard wanted != replicaSet.metadata.annotations || replicaSet.minReadySeconds != minReady else { return nil }
        do {
            let stored = try ControllerRuntime.modify(store, .replicaSets, namespace: replicaSet.namespace, name: name) {
                object in
                var meta = ObjectMeta(json: object["metadata"] ?? .emptyObject)
                meta.annotations = annotations(for: deployment, existing: meta.annotations, revision: revision)
                object.setMember("metadata", meta.json)
                object[path: ["spec", "minReadySeconds"]] = minReady > 0 ? .integer(Int64(minReady)) : nil
                return true
            }
            return stored.map(ReplicaSet.init(json:))
        } catch {
            throw Retry()
        }
    }

    /// Sets the Deployment's revision annotation (a metadata write; nothing when equal).
    func setRevision(_ deployment: inout Deployment, _ revision: String) throws {
        guard !revision.isEmpty, deployment.metadata.annotations[DeploymentRollout.revisionAnnotation] != revision,
            let name = deployment.name
        else { return }
        do {
            let stored = try ControllerRuntime.modify(store, .deployments, namespace: deployment.namespace, name: name) {
                object in
                var meta = ObjectMeta(json: object["metadata"] ?? .emptyObject)
                guard meta.annotations[DeploymentRollout.revisionAnnotation] != revision else { return false }
                meta.annotations[DeploymentRollout.revisionAnnotation] = revision
                object.setMember("metadata", meta.json)
                return true
            }
            if let stored { deployment = Deployment(json: stored) }
        } catch {
            throw Retry()
        }
    }

    /// Records a Progressing reason the sync found on its way (a new or found ReplicaSet).
    func noteProgress(_ deployment: inout Deployment, reason: String, message: String) throws {
        var status = deployment.status
        var conditions = status.conditions
        DeploymentRollout.set(DeploymentRollout.condition(DeploymentRollout.progressingType, .true, reason: reason,
            message: message, now: store.clock()), in: &conditions)
        status.conditions = conditions
        deployment.status = status
        try writeStatus(ObjectKey(deployment.json)!, status.json)
    }

    // MARK: - Writes

    /// Sets a ReplicaSet's `spec.replicas` (and the replica annotations); records
    /// ScalingReplicaSet when the size changed. Returns the stored ReplicaSet.
    func scale(_ replicaSet: ReplicaSet, to size: Int, deployment: Deployment) throws -> ReplicaSet {
        guard let name = replicaSet.name else { return replicaSet }
        let old = DeploymentRollout.replicas(replicaSet)
        let desired = DeploymentRollout.desired(deployment)
        let maxReplicas = desired + DeploymentRollout.maxSurge(deployment)
        let stored: JSONValue?
        do {
            stored = try ControllerRuntime.modify(store, .replicaSets, namespace: replicaSet.namespace, name: name) {
                object in
                var meta = ObjectMeta(json: object["metadata"] ?? .emptyObject)
                meta.annotations[DeploymentRollout.desiredReplicasAnnotation] = String(desired)
                meta.annotations[DeploymentRollout.maxReplicasAnnotation] = String(maxReplicas)
                object.setMember("metadata", meta.json)
                object[path: ["spec", "replicas"]] = .integer(Int64(size))
                return true
            }
        } catch {
            throw Retry()
        }
        guard let stored else { throw Retry() }
        if old != size {
            events.record(deployment.json, type: .normal, reason: "ScalingReplicaSet",
                message: "Scaled \(old < size ? "up" : "down") replica set \(name) from \(old) to \(size)")
        }
        return ReplicaSet(json: stored)
    }

    /// Writes the status computed from the ReplicaSets; with `rollout`, also Progressing,
    /// and a re-sync at the progress deadline while the rollout is unfinished.
    func syncStatus(_ deployment: inout Deployment, new newRS: ReplicaSet?, all: [ReplicaSet], rollout: Bool) throws {
        let now = store.clock()
        let status = DeploymentRollout.status(deployment, current: deployment.json["status"] ?? .emptyObject,
            new: newRS, all: all, rollout: rollout, now: now)
        let key = ObjectKey(deployment.json)!
        try writeStatus(key, status)
        guard rollout, !DeploymentRollout.isComplete(deployment, status),
            let deadline = DeploymentRollout.progressDeadline(deployment, DeploymentStatus(json: status).conditions)
        else { return }
        queue.add(key, after: timing.duration(seconds: max(0, deadline.timeIntervalSince(now)) + 1))
    }

    func writeStatus(_ key: ObjectKey, _ status: JSONValue) throws {
        do {
            try ControllerRuntime.modify(store, .deployments, namespace: key.namespace, name: key.name, status: true) {
                object in
                guard !StoreState.sameContent(object["status"] ?? .emptyObject, status) else { return false }
                object.setMember("status", status)
                return true
            }
        } catch {
            throw Retry()
        }
    }

    /// Upstream's `cleanupDeployment`: the oldest idle revisions beyond
    /// `revisionHistoryLimit` are deleted.
    func cleanUp(_ deployment: Deployment, old: [ReplicaSet]) {
        guard let limit = deployment.revisionHistoryLimit else { return }
        let alive = old.filter { !$0.metadata.isBeingDeleted }
        let excess = alive.count - max(0, limit)
        guard excess > 0 else { return }
        let byRevision = alive.sorted {
            (DeploymentRollout.revision($0), $0.metadata.creationTimestamp ?? .distantPast)
                < (DeploymentRollout.revision($1), $1.metadata.creationTimestamp ?? .distantPast)
        }
        for replicaSet in byRevision.prefix(excess) {
            guard DeploymentRollout.replicas(replicaSet) == 0, (replicaSet.status.replicas ?? 0) == 0,
                (replicaSet.metadata.generation ?? 0) <= (replicaSet.status.observedGeneration ?? 0),
                let name = replicaSet.name
            else { continue }
            _ = try? store.delete(type: .replicaSets, namespace: replicaSet.namespace, name: name)
        }
    }
}
