import FlightdeckCore
import Foundation
import KubeModel

/// The ReplicaSet controller's rules, pure: which pods count, which are ready and available,
/// which go first when scaling down, and what the status says. `ReplicaSetController` does
/// the reading and writing around them.
enum ReplicaSetRules {
    /// Upstream's `IsPodActive`: not finished and not being deleted. Only these count
    /// towards `spec.replicas`; a failed pod is replaced (and left for the pod GC).
    static func isActive(_ pod: Pod) -> Bool {
        pod.status.phase != .succeeded && pod.status.phase != .failed && !pod.metadata.isBeingDeleted
    }

    static func isReady(_ pod: Pod) -> Bool { pod.status.conditions.first(type: "Ready")?.isTrue == true }

    /// When the pod became ready (its Ready condition's transition), if it is.
    static func readySince(_ pod: Pod) -> Date? {
        guard let ready = pod.status.conditions.first(type: "Ready"), ready.isTrue else { return nil }
        return ready.lastTransitionTime ?? .distantPast
    }

    /// Upstream's `IsPodAvailable`: ready for at least `minReadySeconds`.
    static func isAvailable(_ pod: Pod, minReadySeconds: Int, now: Date) -> Bool {
        guard let since = readySince(pod) else { return false }
        return minReadySeconds == 0 || since.addingTimeInterval(Double(minReadySeconds)) < now
    }

    /// When the next ready pod becomes available, for a re-sync then (`nil`: none waits).
    static func nextAvailable(_ pods: [Pod], minReadySeconds: Int, now: Date) -> Date? {
        guard minReadySeconds > 0 else { return nil }
        return pods.compactMap { pod -> Date? in
            guard let since = readySince(pod), !isAvailable(pod, minReadySeconds: minReadySeconds, now: now) else {
                return nil
            }
            return since.addingTimeInterval(Double(minReadySeconds))
        }.min()
    }

    /// Which pods go first when scaling down (upstream's `ActivePodsWithRanks`, one node):
    /// unscheduled before scheduled, Pending before Running, not ready before ready, ready
    /// for less time before longer, more restarts before fewer, newer before older.
    static func deletionOrder(_ pods: [Pod]) -> [Pod] {
        func phaseRank(_ pod: Pod) -> Int {
            let phase = pod.status.phase
            return phase == .pending ? 0 : phase == .running ? 2 : 1
        }
        func restarts(_ pod: Pod) -> Int { pod.status.containerStatuses.map { $0.restartCount ?? 0 }.max() ?? 0 }
        return pods.sorted { a, b in
            let aScheduled = a.spec.nodeName != nil
            let bScheduled = b.spec.nodeName != nil
            if aScheduled != bScheduled { return !aScheduled }
            if phaseRank(a) != phaseRank(b) { return phaseRank(a) < phaseRank(b) }
            if isReady(a) != isReady(b) { return !isReady(a) }
            if let aSince = readySince(a), let bSince = readySince(b), aSince != bSince { return aSince > bSince }
            if restarts(a) != restarts(b) { return restarts(a) > restarts(b) }
            let aCreated = a.metadata.creationTimestamp ?? .distantPast
            let bCreated = b.metadata.creationTimestamp ?? .distantPast
            if aCreated != bCreated { return aCreated > bCreated }
            return (a.name ?? "") > (b.name ?? "")
        }
    }

    /// Why pods could not be created or deleted in a sync: the `ReplicaFailure` reason
    /// (`FailedCreate`, `FailedDelete`) and the API's message.
    struct Failure: Sendable, Hashable {
        var reason: String
        var message: String
    }

    /// The ReplicaSet's next `status` from its active pods (as counted when the sync
    /// started), with `ReplicaFailure` added on a new failure and removed once pods could
    /// be managed again.
    static func status(_ replicaSet: ReplicaSet, active pods: [Pod], failure: Failure?, now: Date) -> JSONValue {
        let templateLabels = replicaSet.template.metadata.labels
        let fullyLabeled = pods.filter { pod in
            let labels = pod.metadata.labels
            return templateLabels.allSatisfy { labels[$0.key] == $0.value }
        }.count
        let ready = pods.filter(isReady).count
        let available = pods.filter { isAvailable($0, minReadySeconds: replicaSet.minReadySeconds, now: now) }.count
        // `replicas` is always written; the other counts are omitted when zero.
        var status: JSONValue = ["replicas": .integer(Int64(pods.count))]
        func put(_ key: String, _ value: Int64) { if value != 0 { status.setMember(key, .integer(value)) } }
        put("fullyLabeledReplicas", Int64(fullyLabeled))
        put("readyReplicas", Int64(ready))
        put("availableReplicas", Int64(available))
        put("observedGeneration", replicaSet.metadata.generation ?? 0)
        var conditions = replicaSet.status.conditions
        let existing = conditions.first(type: DeploymentRollout.replicaFailureType)
        if let failure, existing == nil {
            conditions.append(Condition(json: [
                "type": .string(DeploymentRollout.replicaFailureType), "status": "True",
                "lastTransitionTime": .string(KubeTime.string(from: now)), "reason": .string(failure.reason),
                "message": .string(failure.message),
            ]))
        } else if failure == nil, existing != nil {
            conditions.removeAll { $0.type == DeploymentRollout.replicaFailureType }
        }
        if !conditions.isEmpty { status.setMember("conditions", .array(conditions.map(\.json))) }
        return status
    }
}
