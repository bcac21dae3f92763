import FlightdeckCore
import Foundation
import KubeModel

/// The scheduling half of `KueueController`: one cycle reads every ClusterQueue, LocalQueue,
/// ResourceFlavor and Workload, lets `KueueScheduler` decide each ClusterQueue's pending
/// Workloads, writes the decisions on the Workloads, then the queues' status. Every write
/// is skipped when it would change nothing, so the cycle its own writes trigger settles.
extension KueueController {
    /// A ClusterQueue's spec as the scheduler needs it, read defensively.
    struct ClusterQueueView {
        var name: String
        var object: JSONValue
        var queue: KueueScheduler.Queue
        /// Flavors in spec order, with the resources each covers (for status).
        var flavorResources: [(flavor: String, resources: [String])]
        /// `nil`: active; otherwise the `Active` condition's reason and message.
        var inactive: (reason: String, message: String)?
        /// `nil`: no selector, which selects no namespace (Kueue's "nothing" selector).
        var namespaceSelector: LabelSelector?

        init(_ object: JSONValue, flavors: Set<String>) {
            self.object = object
            name = object[path: ["metadata", "name"]]?.stringValue ?? ""
            let spec = object["spec"] ?? .emptyObject
            let strategy = KueueScheduler.Strategy(rawValue: spec["queueingStrategy"]?.stringValue ?? "")
                ?? .bestEffortFIFO
            var flavorFor: [String: String] = [:]
            var nominal: [String: [String: Decimal]] = [:]
            var flavorResources: [(String, [String])] = []
            var missing: [String] = []
            for group in spec["resourceGroups"]?.arrayValue ?? [] {
                let covered = (group["coveredResources"]?.arrayValue ?? []).compactMap(\.stringValue)
                for (index, flavor) in (group["flavors"]?.arrayValue ?? []).enumerated() {
                    guard let flavorName = flavor["name"]?.stringValue else { continue }
                    if !flavors.contains(flavorName), !missing.contains(flavorName) { missing.append(flavorName) }
                    var resources: [String] = []
                    for resource in flavor["resources"]?.arrayValue ?? [] {
                        guard let resourceName = resource["name"]?.stringValue, covered.contains(resourceName) else { continue }
                        let quota = resource["nominalQuota"].flatMap(Quantity.init(jsonValue:))?.value ?? 0
                        nominal[flavorName, default: [:]][resourceName] = quota
                        resources.append(resourceName)
                        // One flavor per resource group is modelled: the first covering it.
                        if index == 0, flavorFor[resourceName] == nil { flavorFor[resourceName] = flavorName }
                    }
                    flavorResources.append((flavorName, resources))
                }
            }
            queue = KueueScheduler.Queue(name: name, strategy: strategy, flavorFor: flavorFor, nominal: nominal)
            self.flavorResources = flavorResources
            if !missing.isEmpty {
                inactive = ("FlavorNotFound",
                    "Can't admit new workloads: references missing ResourceFlavor(s): [\(missing.joined(separator: " "))].")
            } else if let stop = spec["stopPolicy"]?.stringValue, stop == "Hold" || stop == "HoldAndDrain" {
                inactive = ("Stopped", "Can't admit new workloads: is stopped.")
            }
            if let selector = spec["namespaceSelector"], selector.members != nil {
                namespaceSelector = try? LabelSelectorSpec(json: selector).selector
            }
        }
    }

    /// Counts kept for a queue's status.
    struct QueueCounts {
        var pending = 0
        var reserving = 0
        var admitted = 0
        /// Flavor → resource → reserved amount.
        var reservation: [String: [String: Decimal]] = [:]
        var usage: [String: [String: Decimal]] = [:]

        mutating func add(_ flavors: [String: String], _ amounts: [String: Decimal], admitted isAdmitted: Bool) {
            for (resource, amount) in amounts {
                guard let flavor = flavors[resource] else { continue }
                reservation[flavor, default: [:]][resource, default: 0] += amount
                if isAdmitted { usage[flavor, default: [:]][resource, default: 0] += amount }
            }
        }
    }

    func scheduleCycle() {
        let now = KubeTime.string(from: store.clock())
        let flavorNames = Set(ControllerRuntime.list(store, .resourceFlavors).compactMap {
            $0[path: ["metadata", "name"]]?.stringValue
        })
        var clusterQueues: [String: ClusterQueueView] = [:]
        for object in ControllerRuntime.list(store, .clusterQueues) {
            let view = ClusterQueueView(object, flavors: flavorNames)
            if !view.name.isEmpty { clusterQueues[view.name] = view }
        }
        var localQueues: [String: JSONValue] = [:]
        for object in ControllerRuntime.list(store, .localQueues) {
            guard let key = ObjectKey(object), key.namespace != nil else { continue }
            localQueues[key.description] = object
        }
        var namespaceLabels: [String: [String: String]] = [:]
        for namespace in ControllerRuntime.list(store, .namespaces) {
            let meta = ObjectMeta(json: namespace["metadata"] ?? .emptyObject)
            // kube-apiserver labels every namespace `kubernetes.io/metadata.name: <name>`
            // (what ClusterQueue selectors usually match); the sim's store does not yet, so the
            // label is assumed here.
            if let name = meta.name {
                namespaceLabels[name] = meta.labels.merging(["kubernetes.io/metadata.name": name]) { _, implied in implied }
            }
        }

        var clusterCounts: [String: QueueCounts] = [:]
        var localCounts: [String: QueueCounts] = [:]
        var candidates: [String: [KueueScheduler.Candidate]] = [:]
        var inadmissible: [(key: ObjectKey, message: String)] = []

        for workload in ControllerRuntime.list(store, .workloads) {
            guard let key = ObjectKey(workload), let namespace = key.namespace, !Self.isFinished(workload),
                workload[path: ["spec", "active"]]?.boolValue != false
            else { continue }
            let queueName = workload[path: ["spec", "queueName"]]?.stringValue ?? ""
            let localKey = "\(namespace)/\(queueName)"
            if Self.conditionIsTrue(workload, "QuotaReserved") {
                let cq = workload[path: ["status", "admission", "clusterQueue"]]?.stringValue ?? ""
                let isAdmitted = Self.conditionIsTrue(workload, "Admitted")
                let (flavors, amounts) = Self.admittedUsage(workload)
                clusterCounts[cq, default: QueueCounts()].reserving += 1
                clusterCounts[cq, default: QueueCounts()].add(flavors, amounts, admitted: isAdmitted)
                localCounts[localKey, default: QueueCounts()].reserving += 1
                localCounts[localKey, default: QueueCounts()].add(flavors, amounts, admitted: isAdmitted)
                if isAdmitted {
                    clusterCounts[cq, default: QueueCounts()].admitted += 1
                    localCounts[localKey, default: QueueCounts()].admitted += 1
                }
                continue
            }
            guard let localQueue = localQueues[localKey] else {
                inadmissible.append((key, "LocalQueue \(queueName) doesn't exist"))
                continue
            }
            localCounts[localKey, default: QueueCounts()].pending += 1
            if let stop = localQueue[path: ["spec", "stopPolicy"]]?.stringValue, stop == "Hold" || stop == "HoldAndDrain" {
                inadmissible.append((key, "LocalQueue \(queueName) is inactive"))
                continue
            }
            let cqName = localQueue[path: ["spec", "clusterQueue"]]?.stringValue ?? ""
            guard let cq = clusterQueues[cqName] else {
                inadmissible.append((key, "ClusterQueue \(cqName) doesn't exist"))
                continue
            }
            clusterCounts[cqName, default: QueueCounts()].pending += 1
            if cq.inactive != nil {
                inadmissible.append((key, "ClusterQueue \(cqName) is inactive"))
                continue
            }
            guard let selector = cq.namespaceSelector, selector.matches(namespaceLabels[namespace] ?? [:]) else {
                inadmissible.append((key, "Workload namespace doesn't match ClusterQueue selector"))
                continue
            }
            var candidate = Self.candidate(workload, key: key)
            if let uid = workload[path: ["metadata", "uid"]]?.stringValue {
                candidate.arrival = arrivals.withLock { $0.byUID[uid] } ?? Int.max
            }
            candidates[cqName, default: []].append(candidate)
        }

        for name in candidates.keys.sorted() {
            guard var queue = clusterQueues[name]?.queue else { continue }
            queue.usage = clusterCounts[name]?.reservation ?? [:]
            for (candidate, decision) in KueueScheduler.schedule(&queue, candidates[name] ?? []) {
                let parts = candidate.key.split(separator: "/", maxSplits: 1).map(String.init)
                guard parts.count == 2 else { continue }
                let key = ObjectKey(namespace: parts[0], name: parts[1])
                switch decision {
                case .admit(let flavors, let usage):
                    guard admit(key, clusterQueue: name, candidate: candidate, flavors: flavors, usage: usage, now: now)
                    else { continue }
                    let localKey = localKeyOf(key)
                    clusterCounts[name, default: QueueCounts()].pending -= 1
                    clusterCounts[name, default: QueueCounts()].reserving += 1
                    clusterCounts[name, default: QueueCounts()].admitted += 1
                    clusterCounts[name, default: QueueCounts()].add(flavors, usage, admitted: true)
                    if let localKey {
                        localCounts[localKey, default: QueueCounts()].pending -= 1
                        localCounts[localKey, default: QueueCounts()].reserving += 1
                        localCounts[localKey, default: QueueCounts()].admitted += 1
                        localCounts[localKey, default: QueueCounts()].add(flavors, usage, admitted: true)
                    }
                case .pending(let message):
                    setPending(key, reason: "Pending", message: message, now: now)
                case .notTried:
                    continue
                }
            }
        }
        for entry in inadmissible { setPending(entry.key, reason: "Inadmissible", message: entry.message, now: now) }

        for (name, view) in clusterQueues {
            writeClusterQueueStatus(view, counts: clusterCounts[name] ?? QueueCounts(), now: now)
        }
        for (key, object) in localQueues {
            let cqName = object[path: ["spec", "clusterQueue"]]?.stringValue ?? ""
            writeLocalQueueStatus(object, clusterQueue: clusterQueues[cqName], counts: localCounts[key] ?? QueueCounts(),
                now: now)
        }
    }

    private func localKeyOf(_ key: ObjectKey) -> String? {
        guard let namespace = key.namespace,
            let workload = try? store.get(type: .workloads, namespace: namespace, name: key.name),
            let queueName = workload[path: ["spec", "queueName"]]?.stringValue
        else { return nil }
        return "\(namespace)/\(queueName)"
    }

    /// A pending Workload as the scheduler sees it; its pod sets are counted together under
    /// the first one's name.
    static func candidate(_ workload: JSONValue, key: ObjectKey) -> KueueScheduler.Candidate {
        var total: [String: Decimal] = [:]
        var count = 0
        var podSetName = Self.podSetName
        for (index, podSet) in (workload[path: ["spec", "podSets"]]?.arrayValue ?? []).enumerated() {
            let podCount = max(0, min(Int(jsonValue: podSet["count"] ?? .null) ?? 1, 100_000))
            if index == 0, let name = podSet["name"]?.stringValue { podSetName = name }
            let requests = KueuePodSetRequests(template: podSet["template"] ?? .emptyObject, count: podCount)
            for (resource, amount) in requests.total { total[resource, default: 0] += amount }
            count += podCount
        }
        let priority = max(min(Int(jsonValue: workload[path: ["spec", "priority"]] ?? .null) ?? 0, Int(Int32.max)),
            Int(Int32.min))
        let created = ObjectMeta(json: workload["metadata"] ?? .emptyObject).creationTimestamp ?? .distantPast
        return KueueScheduler.Candidate(key: key.description, priority: priority, created: created,
            podSetName: podSetName, requests: KueuePodSetRequests(total: total, count: count))
    }

    /// What an admitted Workload holds: resource → flavor and resource → amount, from its
    /// `status.admission`.
    static func admittedUsage(_ workload: JSONValue) -> ([String: String], [String: Decimal]) {
        var flavors: [String: String] = [:]
        var amounts: [String: Decimal] = [:]
        for assignment in workload[path: ["status", "admission", "podSetAssignments"]]?.arrayValue ?? [] {
            for member in assignment["flavors"]?.members ?? [] {
                if let flavor = member.value.stringValue { flavors[member.key] = flavor }
            }
            for member in assignment["resourceUsage"]?.members ?? [] {
                guard let quantity = Quantity(jsonValue: member.value), quantity.value > 0 else { continue }
                amounts[member.key, default: 0] += quantity.value
            }
        }
        return (flavors, amounts)
    }

    /// Reserves quota and admits: `status.admission`, `QuotaReserved` and `Admitted` True.
    /// `false` when the Workload changed meanwhile (gone, finished, already reserved).
    func admit(_ key: ObjectKey, clusterQueue: String, candidate: KueueScheduler.Candidate, flavors: [String: String],
        usage: [String: Decimal], now: String) -> Bool
    {
        let written = try? ControllerRuntime.modify(store, .workloads, namespace: key.namespace, name: key.name,
            status: true)
        { object in
            guard !Self.isFinished(object), !Self.conditionIsTrue(object, "QuotaReserved") else { return false }
            let resources = usage.keys.sorted()
            let assignment: JSONValue = [
                "name": .string(candidate.podSetName),
                "flavors": .object(resources.compactMap { resource in
                    flavors[resource].map { JSONValue.Member(resource, .string($0)) }
                }),
                "resourceUsage": .object(resources.map { resource in
                    JSONValue.Member(resource, .string(KueuePodSetRequests.format(usage[resource] ?? 0, resource: resource)))
                }),
                "count": .integer(Int64(candidate.requests.count)),
            ]
            object[path: ["status", "admission"]] = ["clusterQueue": .string(clusterQueue), "podSetAssignments": [assignment]]
            var conditions = object[path: ["status", "conditions"]]?.arrayValue ?? []
            Self.setCondition(&conditions, type: "QuotaReserved", status: "True", reason: "QuotaReserved",
                message: "Quota reserved in ClusterQueue \(clusterQueue)", now: now)
            Self.setCondition(&conditions, type: "Admitted", status: "True", reason: "Admitted",
                message: "The workload is admitted", now: now)
            object[path: ["status", "conditions"]] = .array(conditions)
            return true
        }
        guard let written else { return false }
        var workload = written
        workload.setMember("kind", "Workload")
        workload.setMember("apiVersion", "kueue.x-k8s.io/v1beta1")
        events.record(workload, type: .normal, reason: "QuotaReserved",
            message: "Quota reserved in ClusterQueue \(clusterQueue), wait time since queued was 0s")
        events.record(workload, type: .normal, reason: "Admitted",
            message: "Admitted by ClusterQueue \(clusterQueue), wait time since reservation was 0s")
        return true
    }

    func setPending(_ key: ObjectKey, reason: String, message: String, now: String) {
        _ = try? ControllerRuntime.modify(store, .workloads, namespace: key.namespace, name: key.name, status: true) { object in
            guard !Self.isFinished(object), !Self.conditionIsTrue(object, "QuotaReserved") else { return false }
            var conditions = object[path: ["status", "conditions"]]?.arrayValue ?? []
            guard Self.setCondition(&conditions, type: "QuotaReserved", status: "False", reason: reason, message: message,
                now: now)
            else { return false }
            object[path: ["status", "conditions"]] = .array(conditions)
            return true
        }
    }

    /// `[{name: flavor, resources: [{name, total, borrowed}]}]` for the flavors and resources
    /// the queue lists, in spec order.
    static func flavorAmounts(_ flavorResources: [(flavor: String, resources: [String])],
        _ amounts: [String: [String: Decimal]], borrowed: Bool) -> JSONValue
    {
        .array(flavorResources.map { entry in
            let resources: [JSONValue] = entry.resources.map { resource in
                var item: JSONValue = ["name": .string(resource),
                    "total": .string(KueuePodSetRequests.format(amounts[entry.flavor]?[resource] ?? 0, resource: resource))]
                if borrowed { item.setMember("borrowed", "0") }
                return item
            }
            return ["name": .string(entry.flavor), "resources": .array(resources)]
        })
    }

    func writeClusterQueueStatus(_ view: ClusterQueueView, counts: QueueCounts, now: String) {
        _ = try? ControllerRuntime.modify(store, .clusterQueues, namespace: nil, name: view.name, status: true) { object in
            var status = object["status"]?.members != nil ? object["status"]! : .emptyObject
            let before = status
            var conditions = status["conditions"]?.arrayValue ?? []
            if let inactive = view.inactive {
                Self.setCondition(&conditions, type: "Active", status: "False", reason: inactive.reason,
                    message: inactive.message, now: now)
            } else {
                Self.setCondition(&conditions, type: "Active", status: "True", reason: "Ready",
                    message: "Can admit new workloads", now: now)
            }
            status.setMember("conditions", .array(conditions))
            status.setMember("pendingWorkloads", .integer(Int64(max(0, counts.pending))))
            status.setMember("reservingWorkloads", .integer(Int64(counts.reserving)))
            status.setMember("admittedWorkloads", .integer(Int64(counts.admitted)))
            status.setMember("flavorsReservation", Self.flavorAmounts(view.flavorResources, counts.reservation, borrowed: true))
            status.setMember("flavorsUsage", Self.flavorAmounts(view.flavorResources, counts.usage, borrowed: true))
            guard status != before else { return false }
            object.setMember("status", status)
            return true
        }
    }

    func writeLocalQueueStatus(_ localQueue: JSONValue, clusterQueue: ClusterQueueView?, counts: QueueCounts, now: String) {
        guard let key = ObjectKey(localQueue) else { return }
        _ = try? ControllerRuntime.modify(store, .localQueues, namespace: key.namespace, name: key.name, status: true) { object in
            var status = object["status"]?.members != nil ? object["status"]! : .emptyObject
            let before = status
            var conditions = status["conditions"]?.arrayValue ?? []
            let stop = object[path: ["spec", "stopPolicy"]]?.stringValue
            if stop == "Hold" || stop == "HoldAndDrain" {
                Self.setCondition(&conditions, type: "Active", status: "False", reason: "Stopped",
                    message: "LocalQueue is stopped", now: now)
            } else if let clusterQueue, clusterQueue.inactive == nil {
                Self.setCondition(&conditions, type: "Active", status: "True", reason: "Ready",
                    message: "Can submit new workloads to localQueue", now: now)
            } else {
                Self.setCondition(&conditions, type: "Active", status: "False",
                    reason: clusterQueue == nil ? "ClusterQueueDoesNotExist" : "ClusterQueueIsInactive",
                    message: "Can't submit new workloads to clusterQueue", now: now)
            }
            status.setMember("conditions", .array(conditions))
            status.setMember("pendingWorkloads", .integer(Int64(max(0, counts.pending))))
            status.setMember("reservingWorkloads", .integer(Int64(counts.reserving)))
            status.setMember("admittedWorkloads", .integer(Int64(counts.admitted)))
            let flavors = clusterQueue?.flavorResources ?? []
            status.setMember("flavorsReservation", Self.flavorAmounts(flavors, counts.reservation, borrowed: false))
            status.setMember("flavorUsage", Self.flavorAmounts(flavors, counts.usage, borrowed: false))
            guard status != before else { return false }
            object.setMember("status", status)
            return true
        }
    }
}
