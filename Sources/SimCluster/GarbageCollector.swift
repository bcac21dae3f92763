import FlightdeckCore
import Foundation
import KubeModel
import Synchronization

/// kube-controller-manager's garbage collector: `ownerReferences` semantics.
///
/// - An object all of whose owners are gone (no object with that name and uid) is deleted
///   with Background propagation; owners that are gone are dropped from the references of
///   an object that still has a live owner.
/// - An owner deleted with Foreground propagation (the store added `foregroundDeletion`)
///   has its dependents deleted; the finalizer goes once no dependent with
///   `blockOwnerDeletion: true` is left.
/// - An owner deleted with Orphan propagation (`orphan`) has its reference removed from
///   every dependent, then the finalizer.
///
/// This is what makes a Job's pods, workspace PVC and token Secret go when the Job goes.
/// Owners are always checked with a live read, never from the watch-built index alone,
/// as upstream verifies "absent" owners before deleting anything.
///
/// Run once (`run()` until cancelled); `ControlPlane` does this.
public final class GarbageCollector: QueueDrivenController {
    public static let foregroundFinalizer = "foregroundDeletion"
    public static let orphanFinalizer = "orphan"

    public let store: APIStore
    let queue = WorkQueue<GCKey>()

    struct GCKey: Hashable, Sendable {
        var type: ResourceType
        var namespace: String?
        var name: String
    }

    /// Owner uid → dependents that reference it, built from the watches.
    let dependents = Mutex<[String: Set<GCKey>]>([:])

    /// The kinds the collector follows (everything stored that can own or be owned; Kueue's
    /// too — a Workload is owned by its Job — which a cluster without Kueue never stores).
    public static let watchedTypes: [ResourceType] = (ResourceType.all + ResourceType.kueue).filter {
        ![ResourceType.events, .eventsV1, .selfSubjectAccessReviews, .namespaces].contains($0)
    }

    public init(store: APIStore) {
        self.store = store
    }

    public func run() async { await runLoop() }

    var sources: [ControllerSource] {
        Self.watchedTypes.map { type in
            .watch(type) { [weak self] event in self?.observe(event, type: type) }
        }
    }

    static func ownerType(_ reference: OwnerReference) -> ResourceType? {
        guard let kind = reference.kind, let apiVersion = reference.apiVersion else { return nil }
        return ResourceType.forKind(kind, apiVersion: apiVersion)
    }

    func observe(_ event: WatchEvent, type: ResourceType) {
        let meta = ObjectMeta(json: event.object["metadata"] ?? .emptyObject)
        guard let name = meta.name, let uid = meta.uid else { return }
        let key = GCKey(type: type, namespace: type.namespaced ? meta.namespace : nil, name: name)
        let owners = meta.ownerReferences
        let removed = event.type == .deleted
        let dependentKeys = dependents.withLock { index -> Set<GCKey> in
            for (owner, var keys) in index where keys.contains(key) {
                keys.remove(key)
                index[owner] = keys.isEmpty ? nil : keys
            }
            if !removed {
                for owner in owners { if let ownerUID = owner.uid { index[ownerUID, default: []].insert(key) } }
            }
            return index[uid] ?? []
        }
        if !removed, !owners.isEmpty || meta.isBeingDeleted { queue.add(key) }
        if removed || meta.isBeingDeleted {
            for dependent in dependentKeys { queue.add(dependent) }
        }
        if removed {
            // A foreground-deleting owner may have been waiting for this one.
            for owner in owners {
                guard let ownerType = Self.ownerType(owner), let ownerName = owner.name else { continue }
                queue.add(GCKey(type: ownerType, namespace: ownerType.namespaced ? key.namespace : nil, name: ownerName))
            }
        }
    }

    enum OwnerState { case solid, dangling, waitingForDependents }

    func ownerState(_ reference: OwnerReference, namespace: String?) -> OwnerState {
        guard let type = Self.ownerType(reference), let name = reference.name else { return .solid }
        guard let owner = try? store.get(type: type, namespace: type.namespaced ? namespace : nil, name: name),
            owner[path: ["metadata", "uid"]]?.stringValue == reference.uid
        else { return .dangling }
        let meta = ObjectMeta(json: owner["metadata"] ?? .emptyObject)
        if meta.isBeingDeleted, meta.finalizers.contains(Self.foregroundFinalizer) { return .waitingForDependents }
        return .solid
    }

    /// The live dependents of `uid` (index entries re-read and re-checked).
    func liveDependents(of uid: String) -> [(key: GCKey, object: JSONValue)] {
        let keys = dependents.withLock { $0[uid] ?? [] }
        return keys.compactMap { key in
            guard let object = try? store.get(type: key.type, namespace: key.namespace, name: key.name),
                ObjectMeta(json: object["metadata"] ?? .emptyObject).ownerReferences.contains(where: { $0.uid == uid })
            else { return nil }
            return (key, object)
        }
    }

    func sync(_ key: GCKey) {
        guard let object = try? store.get(type: key.type, namespace: key.namespace, name: key.name) else { return }
        let meta = ObjectMeta(json: object["metadata"] ?? .emptyObject)
        guard let uid = meta.uid else { return }

        if meta.isBeingDeleted {
            if meta.finalizers.contains(Self.orphanFinalizer) {
                for dependent in liveDependents(of: uid) { removeOwnerReferences(dependent.key, uids: [uid]) }
                ControllerRuntime.removeFinalizer(store, key.type, namespace: key.namespace, name: key.name,
                    Self.orphanFinalizer)
            } else if meta.finalizers.contains(Self.foregroundFinalizer) {
                let live = liveDependents(of: uid)
                for dependent in live { queue.add(dependent.key) }
                let blocking = live.contains { dependent in
                    ObjectMeta(json: dependent.object["metadata"] ?? .emptyObject).ownerReferences
                        .contains { $0.uid == uid && $0.blockOwnerDeletion == true }
                }
                if !blocking {
                    ControllerRuntime.removeFinalizer(store, key.type, namespace: key.namespace, name: key.name,
                        Self.foregroundFinalizer)
                }
            }
            return
        }

        let references = meta.ownerReferences
        guard !references.isEmpty else { return }
        var solid = 0
        var stale: [String] = []
        var waiting = false
        for reference in references {
            switch ownerState(reference, namespace: key.namespace) {
            case .solid: solid += 1
            case .dangling: stale.append(reference.uid ?? "")
            case .waitingForDependents:
                waiting = true
                stale.append(reference.uid ?? "")
            }
        }
        if solid > 0 {
            if !stale.isEmpty { removeOwnerReferences(key, uids: Set(stale)) }
            return
        }
        let policy: PropagationPolicy
        if waiting, !liveDependents(of: uid).isEmpty {
            policy = .foreground
        } else if meta.finalizers.contains(Self.orphanFinalizer) {
            policy = .orphan
        } else if meta.finalizers.contains(Self.foregroundFinalizer) {
            policy = .foreground
        } else {
            policy = .background
        }
        _ = try? store.delete(type: key.type, namespace: key.namespace, name: key.name,
            options: DeleteOptions(propagationPolicy: policy))
    }

    func removeOwnerReferences(_ key: GCKey, uids: Set<String>) {
        _ = try? ControllerRuntime.modify(store, key.type, namespace: key.namespace, name: key.name) { object in
            var meta = ObjectMeta(json: object["metadata"] ?? .emptyObject)
            let kept = meta.ownerReferences.filter { !uids.contains($0.uid ?? "") }
            guard kept.count != meta.ownerReferences.count else { return false }
            if kept.isEmpty {
                meta.json.setMember("ownerReferences", nil)
            } else {
                meta.ownerReferences = kept
            }
            object.setMember("metadata", meta.json)
            return true
        }
    }
}
