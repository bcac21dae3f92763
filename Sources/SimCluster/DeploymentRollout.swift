import FlightdeckCore
import Foundation
import KubeModel

/// The deployment controller's rules, pure (upstream's `pkg/controller/deployment/util` and
/// the arithmetic of its rolling and recreate strategies): which ReplicaSet is the new
/// revision, how far each one may be scaled, and what the Deployment's status and
/// conditions say. `DeploymentController` does the reading and writing around them.
enum DeploymentRollout {
    /// The label that tells one revision's pods from another's.
    static let hashLabel = "pod-template-hash"
    static let revisionAnnotation = "deployment.kubernetes.io/revision"
    static let desiredReplicasAnnotation = "deployment.kubernetes.io/desired-replicas"
    static let maxReplicasAnnotation = "deployment.kubernetes.io/max-replicas"
    static let revisionHistoryAnnotation = "deployment.kubernetes.io/revision-history"
    /// The longest `revision-history` upstream keeps.
    static let maxRevisionHistoryCharacters = 2000
    /// Deployment annotations never copied to its ReplicaSets.
    static let annotationsNotCopied: Set<String> = [
        "kubectl.kubernetes.io/last-applied-configuration", revisionAnnotation,
        revisionHistoryAnnotation, desiredReplicasAnnotation, maxReplicasAnnotation,
        "deprecated.deployment.rollback.to",
    ]

    // MARK: - Templates

    /// The `pod-template-hash` of a template: FNV-1a (32 bit) over the template and the
    /// collision count, written as upstream's `SafeEncodeString` of the decimal number
    /// (`5d4f7c9b8` and the like). The template is hashed as canonical JSON (members
    /// sorted), so the same template always gets the same name.
    static func podTemplateHash(_ template: JSONValue, collisionCount: Int?) -> String {
        var hash: UInt32 = 0x811C_9DC5
        func feed(_ byte: UInt8) {
            hash ^= UInt32(byte)
            hash = hash &* 0x0100_0193
        }
        for byte in canonical(template).serialized.utf8 { feed(byte) }
        if let collisionCount {
            // Eight bytes, the count little-endian in the first four, as upstream writes it.
            let count = UInt32(truncatingIfNeeded: collisionCount)
            for shift in [0, 8, 16, 24] { feed(UInt8(truncatingIfNeeded: count >> UInt32(shift))) }
            for _ in 0..<4 { feed(0) }
        }
        let alphabet = Array("bcdfghjklmnpqrstvwxz2456789".utf8)
        return String(decoding: String(hash).utf8.map { alphabet[Int($0) % alphabet.count] }, as: UTF8.self)
    }

    /// `value` with every object's members sorted by key.
    static func canonical(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let members):
            return .object(members.sorted { $0.key < $1.key }.map { JSONValue.Member($0.key, canonical($0.value)) })
        case .array(let elements):
            return .array(elements.map(canonical))
        default:
            return value
        }
    }

    /// Upstream's `EqualIgnoreHash`: two templates are the same revision when they differ at
    /// most in the `pod-template-hash` label. Both are compared as the API defaults them and
    /// as its typed objects see them (`typedForm`).
    static func sameRevision(_ a: JSONValue, _ b: JSONValue) -> Bool {
        StoreState.sameContent(normalized(a), normalized(b))
    }

    static func normalized(_ template: JSONValue) -> JSONValue {
        var spec: JSONValue = ["template": typedForm(template) ?? .emptyObject]
        CreateDefaults.template(&spec)
        var result = spec["template"] ?? .emptyObject
        if var labels = result[path: ["metadata", "labels"]], labels[hashLabel] != nil {
            labels.removeMember(hashLabel)
            result[path: ["metadata", "labels"]] = labels.isEmptyObject ? nil : labels
        }
        if result["metadata"]?.isEmptyObject == true { result.removeMember("metadata") }
        return result
    }

    /// A template as kube-apiserver's typed objects see it, where upstream's semantic
    /// equality cannot tell the JSON forms apart: a `null` member is the zero value (absent),
    /// an empty list is an absent one, and so is an empty map (labels, annotations,
    /// nodeSelector, limits, requests) or an empty value struct (a container's `resources`,
    /// the template's `metadata`); quantities compare by value (`0.5` is `500m`). An empty
    /// object elsewhere (`emptyDir: {}`, `securityContext: {}`) is a set pointer and stays.
    /// This is what lets `kubectl rollout undo` find the old ReplicaSet: kubectl sends its
    /// template back re-encoded from Go types (`creationTimestamp: null`, `resources: {}`,
    /// canonical quantities).
    static func typedForm(_ value: JSONValue) -> JSONValue? {
        switch value {
        case .null:
            return nil
        case .array(let elements):
            return elements.isEmpty ? nil : .array(elements.map { typedForm($0) ?? .null })
        case .object(let members):
            var result: [JSONValue.Member] = []
            for member in members {
                guard var child = typedForm(member.value) else { continue }
                if member.key == "limits" || member.key == "requests", case .object(let quantities) = child {
                    child = .object(quantities.map { entry in
                        JSONValue.Member(entry.key, Quantity(jsonValue: entry.value).map { .string("\($0.value)") } ?? entry.value)
                    })
                }
                if child.isEmptyObject, emptyMeansAbsent.contains(member.key) { continue }
                result.append(JSONValue.Member(member.key, child))
            }
            return .object(result)
        default:
            return value
        }
    }

    /// Members whose empty object is the zero value of a map or of a value struct.
    static let emptyMeansAbsent: Set<String> = [
        "labels", "annotations", "nodeSelector", "limits", "requests", "resources", "metadata",
    ]

    /// Upstream's `SetNewReplicaSetAnnotations`: the comma-separated revisions a ReplicaSet
    /// had before, `old` appended, the oldest dropped to stay within 2000 characters.
    static func revisionHistory(_ history: String?, adding old: String) -> String? {
        guard let history, !history.isEmpty else { return old }
        var revisions = history.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        var length = history.count + old.count + 1
        while length > maxRevisionHistoryCharacters, !revisions.isEmpty {
            length -= revisions.removeFirst().count + 1
        }
        guard length <= maxRevisionHistoryCharacters else { return history }
        return (revisions + [old]).joined(separator: ",")
    }

    /// A new revision's template: the Deployment's with the hash label added.
    static func template(_ template: JSONValue, hash: String) -> JSONValue {
        var result = template
        var labels = ObjectMeta(json: result["metadata"] ?? .emptyObject).labels
        labels[hashLabel] = hash
        result[path: ["metadata", "labels"]] = .sortedStringMap(labels)
        return result
    }

    /// A new revision's selector: the Deployment's with `pod-template-hash` required.
    static func selector(_ selector: JSONValue, hash: String) -> JSONValue {
        var result = selector
        var labels = LabelSelectorSpec(json: selector).matchLabels
        labels[hashLabel] = hash
        result.setMember("matchLabels", .sortedStringMap(labels))
        return result
    }

    /// A selector that selects everything (empty or absent), which the controller refuses.
    static func selectsEverything(_ selector: LabelSelectorSpec) -> Bool {
        selector.matchLabels.isEmpty && selector.matchExpressions.isEmpty
    }

    // MARK: - Sizes

    static func desired(_ deployment: Deployment) -> Int { max(0, deployment.replicas ?? 1) }
    static func replicas(_ replicaSet: ReplicaSet) -> Int { max(0, replicaSet.replicas ?? 1) }
    static func available(_ replicaSet: ReplicaSet) -> Int { replicaSet.status.availableReplicas ?? 0 }

    /// An int-or-percent against `total` (`"25%"` of 3 is 1 rounded up, 0 rounded down).
    static func scaledValue(_ value: JSONValue?, total: Int, roundUp: Bool) -> Int {
        guard let value else { return 0 }
        if let number = value.int64Value { return max(0, Int(number)) }
        guard let text = value.stringValue, text.hasSuffix("%"), let percent = Int(text.dropLast()) else { return 0 }
        let product = max(0, percent) * total
        return roundUp ? (product + 99) / 100 : product / 100
    }

    static func isRollingUpdate(_ deployment: Deployment) -> Bool { deployment.strategyType == "RollingUpdate" }

    /// Upstream's `ResolveFenceposts`: surge rounds up, unavailable down, and when both come
    /// to zero one pod may be unavailable (so a rollout can always move).
    static func fenceposts(_ deployment: Deployment) -> (surge: Int, unavailable: Int) {
        let desired = desired(deployment)
        let surge = scaledValue(deployment.maxSurge ?? "25%", total: desired, roundUp: true)
        var unavailable = scaledValue(deployment.maxUnavailable ?? "25%", total: desired, roundUp: false)
        if surge == 0, unavailable == 0 { unavailable = 1 }
        return (surge, unavailable)
    }

    static func maxSurge(_ deployment: Deployment) -> Int {
        isRollingUpdate(deployment) ? fenceposts(deployment).surge : 0
    }

    static func maxUnavailable(_ deployment: Deployment) -> Int {
        let desired = desired(deployment)
        guard isRollingUpdate(deployment), desired > 0 else { return 0 }
        return min(fenceposts(deployment).unavailable, desired)
    }

    /// Upstream's `NewRSNewReplicas`: the new revision's size. RollingUpdate grows it as far
    /// as `desired + maxSurge` pods in all allows; Recreate gives it everything at once.
    static func newReplicaCount(_ deployment: Deployment, all: [ReplicaSet], newReplicas current: Int) -> Int {
        let desired = desired(deployment)
        guard isRollingUpdate(deployment) else { return desired }
        let surge = scaledValue(deployment.maxSurge ?? "25%", total: desired, roundUp: true)
        let pods = all.map(replicas).reduce(0, +)
        let maxTotal = desired + surge
        guard pods < maxTotal else { return current }
        return current + min(maxTotal - pods, desired - current)
    }

    /// Upstream's `reconcileOldReplicaSets`: the new sizes of the old revisions (only those
    /// that change), oldest first. Unhealthy pods go first (they cost no availability), then
    /// as many as keep `desired - maxUnavailable` pods available.
    static func oldScaleDowns(_ deployment: Deployment, old: [ReplicaSet], new newRS: ReplicaSet) -> [(ReplicaSet, Int)] {
        let old = sortedByCreation(old.filter { replicas($0) > 0 })
        let oldPods = old.map(replicas).reduce(0, +)
        guard oldPods > 0 else { return [] }
        let minAvailable = desired(deployment) - maxUnavailable(deployment)
        let newUnavailable = replicas(newRS) - available(newRS)
        let maxScaledDown = oldPods + replicas(newRS) - minAvailable - newUnavailable
        guard maxScaledDown > 0 else { return [] }
        var sizes = old.map(replicas)
        var cleaned = 0
        for index in old.indices where cleaned < maxScaledDown && sizes[index] > 0 {
            let unhealthy = sizes[index] - available(old[index])
            guard unhealthy > 0 else { continue }
            let count = min(maxScaledDown - cleaned, unhealthy)
            sizes[index] -= count
            cleaned += count
        }
        let availablePods = old.map(available).reduce(0, +) + available(newRS)
        if availablePods > minAvailable {
            let wanted = availablePods - minAvailable
            var scaled = 0
            for index in old.indices where scaled < wanted && sizes[index] > 0 {
                let count = min(sizes[index], wanted - scaled)
                sizes[index] -= count
                scaled += count
            }
        }
        return old.indices.filter { sizes[$0] != replicas(old[$0]) }.map { (old[$0], sizes[$0]) }
    }

    static func sortedByCreation(_ sets: [ReplicaSet]) -> [ReplicaSet] {
        sets.sorted {
            ($0.metadata.creationTimestamp ?? .distantPast, $0.name ?? "")
                < ($1.metadata.creationTimestamp ?? .distantPast, $1.name ?? "")
        }
    }

    static func revision(_ replicaSet: ReplicaSet) -> Int {
        Int(replicaSet.metadata.annotations[revisionAnnotation] ?? "") ?? 0
    }

    /// Upstream's `FindActiveOrLatest`: the one ReplicaSet with pods, or the newest when
    /// none has any; `nil` when several have pods.
    static func activeOrLatest(new newRS: ReplicaSet?, old: [ReplicaSet]) -> ReplicaSet? {
        let all = (newRS.map { [$0] } ?? []) + old
        let active = all.filter { replicas($0) > 0 }
        switch active.count {
        case 0: return sortedByCreation(all).last
        case 1: return active[0]
        default: return nil
        }
    }

    // MARK: - Status

    /// The counts of upstream's `calculateStatus`, from the ReplicaSets' own statuses.
    static func counts(_ deployment: Deployment, new newRS: ReplicaSet?, all: [ReplicaSet]) -> JSONValue {
        let replicas = all.map { $0.status.replicas ?? 0 }.reduce(0, +)
        let updated = newRS?.status.replicas ?? 0
        let ready = all.map { $0.status.readyReplicas ?? 0 }.reduce(0, +)
        let available = all.map(available).reduce(0, +)
        let unavailable = max(0, all.map(Self.replicas).reduce(0, +) - available)
        var status: JSONValue = .emptyObject
        // Go's omitempty: zero counts are left out.
        func put(_ key: String, _ value: Int64) { if value != 0 { status.setMember(key, .integer(value)) } }
        put("observedGeneration", deployment.metadata.generation ?? 0)
        put("replicas", Int64(replicas))
        put("updatedReplicas", Int64(updated))
        put("readyReplicas", Int64(ready))
        put("availableReplicas", Int64(available))
        put("unavailableReplicas", Int64(unavailable))
        return status
    }

    /// A Deployment condition, members in the API's order.
    static func condition(_ type: String, _ status: ConditionStatus, reason: String, message: String, now: Date)
        -> Condition
    {
        let time = JSONValue.string(KubeTime.string(from: now))
        return Condition(json: [
            "type": .string(type), "status": .string(status.rawValue), "lastUpdateTime": time,
            "lastTransitionTime": time, "reason": .string(reason), "message": .string(message),
        ])
    }

    /// Upstream's `SetDeploymentCondition`: nothing changes when status and reason are the
    /// same; the transition time survives a change that keeps the status; the condition
    /// moves to the end of the list.
    static func set(_ condition: Condition, in conditions: inout [Condition]) {
        let current = conditions.first(type: condition.type ?? "")
        if let current, current.status == condition.status, current.reason == condition.reason { return }
        var condition = condition
        if let current, current.status == condition.status {
            condition.json.setMember("lastTransitionTime", current.json["lastTransitionTime"])
        }
        conditions.removeAll { $0.type == condition.type }
        conditions.append(condition)
    }

    static let availableType = "Available"
    static let progressingType = "Progressing"
    static let replicaFailureType = "ReplicaFailure"

    static func hasProgressDeadline(_ deployment: Deployment) -> Bool {
        guard let seconds = deployment.progressDeadlineSeconds else { return false }
        return seconds != Int(Int32.max)
    }

    /// Upstream's `DeploymentComplete`: every replica updated and available, nothing old
    /// left, and the status is about the current spec.
    static func isComplete(_ deployment: Deployment, _ status: JSONValue) -> Bool {
        let desired = Int64(desired(deployment))
        func count(_ key: String) -> Int64 { status[key]?.int64Value ?? 0 }
        return count("updatedReplicas") == desired && count("replicas") == desired
            && count("availableReplicas") == desired
            && count("observedGeneration") >= (deployment.metadata.generation ?? 0)
    }

    /// Upstream's `DeploymentProgressing`: more pods updated, ready or available than the
    /// last status said, or fewer old ones.
    static func isProgressing(old: JSONValue, new: JSONValue) -> Bool {
        func count(_ status: JSONValue, _ key: String) -> Int64 { status[key]?.int64Value ?? 0 }
        let oldOld = count(old, "replicas") - count(old, "updatedReplicas")
        let newOld = count(new, "replicas") - count(new, "updatedReplicas")
        return count(new, "updatedReplicas") > count(old, "updatedReplicas") || newOld < oldOld
            || count(new, "readyReplicas") > count(old, "readyReplicas")
            || count(new, "availableReplicas") > count(old, "availableReplicas")
    }

    /// When a rollout that has made no progress since `condition`'s last update runs out of
    /// its progress deadline (`nil`: it cannot, or already did).
    static func progressDeadline(_ deployment: Deployment, _ conditions: [Condition]) -> Date? {
        guard hasProgressDeadline(deployment), let seconds = deployment.progressDeadlineSeconds,
            let progressing = conditions.first(type: progressingType),
            progressing.reason != "NewReplicaSetAvailable", progressing.reason != "ProgressDeadlineExceeded",
            let from = progressing.lastUpdateTime
        else { return nil }
        return from.addingTimeInterval(Double(seconds))
    }

    /// The Deployment's next status, as upstream's `syncRolloutStatus` (`rollout: true`) or
    /// `syncDeploymentStatus` (`false`: scaling or paused, no Progressing change) write it.
    /// `current` is the status as the sync has it so far (conditions it already set).
    static func status(_ deployment: Deployment, current: JSONValue, new newRS: ReplicaSet?, all: [ReplicaSet],
        rollout: Bool, now: Date) -> JSONValue
    {
        var status = counts(deployment, new: newRS, all: all)
        var conditions = DeploymentStatus(json: current).conditions
        let available = Int(status["availableReplicas"]?.int64Value ?? 0)
        if available >= desired(deployment) - maxUnavailable(deployment) {
            set(condition(availableType, .true, reason: "MinimumReplicasAvailable",
                message: "Deployment has minimum availability.", now: now), in: &conditions)
        } else {
            set(condition(availableType, .false, reason: "MinimumReplicasUnavailable",
                message: "Deployment does not have minimum availability.", now: now), in: &conditions)
        }
        if rollout {
            if !hasProgressDeadline(deployment) { conditions.removeAll { $0.type == progressingType } }
            let progressing = conditions.first(type: progressingType)
            let counts = status
            let alreadyComplete = counts["replicas"] == counts["updatedReplicas"]
                && progressing?.reason == "NewReplicaSetAvailable"
            let name = newRS?.name
            if hasProgressDeadline(deployment), !alreadyComplete {
                if isComplete(deployment, counts) {
                    set(condition(progressingType, .true, reason: "NewReplicaSetAvailable",
                        message: name.map { "ReplicaSet \"\($0)\" has successfully progressed." }
                            ?? "Deployment \"\(deployment.name ?? "")\" has successfully progressed.", now: now),
                        in: &conditions)
                } else if isProgressing(old: deployment.json["status"] ?? .emptyObject, new: counts) {
                    // Progress refreshes lastUpdateTime even under the same reason.
                    var next = condition(progressingType, .true, reason: "ReplicaSetUpdated",
                        message: name.map { "ReplicaSet \"\($0)\" is progressing." }
                            ?? "Deployment \"\(deployment.name ?? "")\" is progressing.", now: now)
                    if let progressing, progressing.status == .true {
                        next.json.setMember("lastTransitionTime", progressing.json["lastTransitionTime"])
                    }
                    conditions.removeAll { $0.type == progressingType }
                    conditions.append(next)
                } else if let deadline = progressDeadline(deployment, conditions), deadline < now {
                    set(condition(progressingType, .false, reason: "ProgressDeadlineExceeded",
                        message: name.map { "ReplicaSet \"\($0)\" has timed out progressing." }
                            ?? "Deployment \"\(deployment.name ?? "")\" has timed out progressing.", now: now),
                        in: &conditions)
                }
            }
        }
        if let failure = replicaFailure(new: newRS, all: all) {
            set(failure, in: &conditions)
        } else {
            conditions.removeAll { $0.type == replicaFailureType }
        }
        if !conditions.isEmpty { status.setMember("conditions", .array(conditions.map(\.json))) }
        if let collisions = current["collisionCount"] { status.setMember("collisionCount", collisions) }
        return status
    }

    /// A ReplicaSet's `ReplicaFailure` as the Deployment's (the new revision's first).
    static func replicaFailure(new newRS: ReplicaSet?, all: [ReplicaSet]) -> Condition? {
        for replicaSet in (newRS.map { [$0] } ?? []) + all {
            guard let failure = replicaSet.status.conditions.first(type: replicaFailureType) else { continue }
            let since = failure.json["lastTransitionTime"] ?? .null
            return Condition(json: [
                "type": .string(replicaFailureType), "status": failure.json["status"] ?? "True",
                "lastUpdateTime": since, "lastTransitionTime": since,
                "reason": failure.json["reason"] ?? "", "message": failure.json["message"] ?? "",
            ])
        }
        return nil
    }
}
