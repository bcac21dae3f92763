import FlightdeckCore
import Foundation
import KubeModel

/// Server-side printing: the `meta.k8s.io/v1` `Table` kubectl asks for with
/// `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`, with the columns and cell
/// rules of kube-apiserver's printers for the kinds Flightdeck shows (jobs, pods, PVCs,
/// PVs, events, namespaces, deployments, replicasets) and name/age for the rest.
public struct TableConverter: Sendable {
    /// The time AGE columns are measured against.
    public var now: Date

    public init(now: Date) { self.now = now }

    /// What each row carries besides its cells (`includeObject`).
    public enum IncludeObject: String, Sendable {
        case none = "None"
        case metadata = "Metadata"
        case object = "Object"
    }

    struct Column {
        var name: String
        var type: String = "string"
        var format: String = ""
        var priority: Int = 0
        var description: String = ""
    }

    /// A Table of `objects`; `withColumns` false leaves out the column definitions (watch
    /// events after the first).
    public func table(_ type: ResourceType, objects: [JSONValue], resourceVersion: String?, continueToken: String? = nil,
        include: IncludeObject = .metadata, withColumns: Bool = true) -> JSONValue
    {
        var metadata: JSONValue = .emptyObject
        if let resourceVersion { metadata.setMember("resourceVersion", .string(resourceVersion)) }
        if let continueToken, !continueToken.isEmpty { metadata.setMember("continue", .string(continueToken)) }
        var table: JSONValue = ["kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": metadata]
        if withColumns {
            table.setMember("columnDefinitions", .array(columns(type).map { column in
                ["name": .string(column.name), "type": .string(column.type), "format": .string(column.format),
                    "description": .string(column.description), "priority": .integer(Int64(column.priority))]
            }))
        } else {
            table.setMember("columnDefinitions", .null)
        }
        table.setMember("rows", .array(objects.map { object in
            var row: JSONValue = ["cells": .array(cells(type, object))]
            switch include {
            case .none: break
            case .object: row.setMember("object", object)
            case .metadata:
                row.setMember("object", [
                    "kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                    "metadata": object["metadata"] ?? .emptyObject,
                ])
            }
            return row
        }))
        return table
    }

    func columns(_ type: ResourceType) -> [Column] {
        let name = Column(name: "Name", format: "name", description: "Name must be unique within a namespace.")
        let age = Column(name: "Age", description: "CreationTimestamp is a timestamp representing the server time when this object was created.")
        switch type {
        case .pods:
            return [name, Column(name: "Ready", description: "The aggregate readiness state of this pod for accepting traffic."),
                Column(name: "Status", description: "The aggregate status of the containers in this pod."),
                Column(name: "Restarts", description: "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted."),
                age, Column(name: "IP", priority: 1, description: "IP address allocated to the pod."),
                Column(name: "Node", priority: 1, description: "Name of the node the pod is assigned to."),
                Column(name: "Nominated Node", priority: 1, description: "Nominated node name for the pod."),
                Column(name: "Readiness Gates", priority: 1, description: "Pod readiness gates.")]
        case .jobs:
            return [name, Column(name: "Status", description: "Status of the job."),
                Column(name: "Completions", description: "The completion status of the job."),
                Column(name: "Duration", description: "Time required to complete the job."), age,
                Column(name: "Containers", priority: 1, description: "Names of each container in the template."),
                Column(name: "Images", priority: 1, description: "Images referenced by each container in the template."),
                Column(name: "Selector", priority: 1, description: "A label query over pods that should match the pod count.")]
        case .persistentVolumeClaims:
            return [name, Column(name: "Status", description: "Phase represents the current phase of PersistentVolumeClaim."),
                Column(name: "Volume", description: "VolumeName is the binding reference to the PersistentVolume backing this claim."),
                Column(name: "Capacity", description: "Capacity represents the actual resources of the underlying volume."),
                Column(name: "Access Modes", description: "AccessModes contains the actual access modes the volume backing the PVC has."),
                Column(name: "StorageClass", description: "StorageClassName is the name of the StorageClass required by the claim."),
                Column(name: "VolumeAttributesClass", description: "VolumeAttributesClassName may be used to set the VolumeAttributesClass used by this claim."),
                age, Column(name: "VolumeMode", priority: 1, description: "volumeMode defines what type of volume is required by the claim.")]
        case .persistentVolumes:
            return [name, Column(name: "Capacity", description: "capacity is the description of the persistent volume's resources and capacity."),
                Column(name: "Access Modes", description: "accessModes contains all ways the volume can be mounted."),
                Column(name: "Reclaim Policy", description: "persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim."),
                Column(name: "Status", description: "phase indicates if a volume is available, bound to a claim, or released by a claim."),
                Column(name: "Claim", description: "claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim."),
                Column(name: "StorageClass", description: "storageClassName is the name of StorageClass to which this persistent volume belongs."),
                Column(name: "VolumeAttributesClass", description: "Name of VolumeAttributesClass to which this persistent volume belongs."),
                Column(name: "Reason", description: "reason is a brief CamelCase string that describes any failure."),
                age, Column(name: "VolumeMode", priority: 1, description: "volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state.")]
        case .events:
            return [Column(name: "Last Seen", description: "The last time this event was seen."),
                Column(name: "Type", description: "Type of this event (Normal, Warning), new types could be added in the future."),
                Column(name: "Reason", description: "This should be a short, machine understandable string that gives the reason for the transition into the object's current status."),
                Column(name: "Object", description: "The object that this event is about."),
                Column(name: "Subobject", priority: 1, description: "The field of the object that this event is about."),
                Column(name: "Source", priority: 1, description: "The component reporting this event."),
                Column(name: "Message", description: "A human-readable description of the status of this operation."),
                Column(name: "First Seen", priority: 1, description: "The first time this event was seen."),
                Column(name: "Count", priority: 1, description: "The number of times this event has occurred."),
                Column(name: "Name", format: "name", priority: 1, description: "Name of the event.")]
        case .namespaces:
            return [name, Column(name: "Status", description: "The status of the namespace"), age]
        case .deployments:
            return [name, Column(name: "Ready", description: "Number of the pod with ready state"),
                Column(name: "Up-to-date", description: "Total number of non-terminating pods targeted by this deployment that have the desired template spec."),
                Column(name: "Available", description: "Total number of available non-terminating pods (ready for at least minReadySeconds) targeted by this deployment."),
                age] + templateColumns(selector: "Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment. It must match the pod template's labels.")
        case .replicaSets:
            return [name,
                Column(name: "Desired", type: "integer", description: "Replicas is the number of desired pods. This is a pointer to distinguish between explicit zero and unspecified. Defaults to 1."),
                Column(name: "Current", type: "integer", description: "Replicas is the most recently observed number of non-terminating pods."),
                Column(name: "Ready", type: "integer", description: "The number of non-terminating pods targeted by this ReplicaSet with a Ready Condition."),
                age] + templateColumns(selector: "Selector is a label query over pods that should match the replica count. Label keys and values that must match in order to be controlled by this replica set. It must match the pod template's labels.")
        case .leases:
            // kube-apiserver's lease printer: who holds it is what `kubectl get leases` is for.
            return [name, Column(name: "Holder", description: "HolderIdentity contains the identity of the holder of a current lease. If Coordinated Leader Election is used, the holder identity must be equal to the elected LeaseCandidate.metadata.name field."), age]
        case .clusterQueues, .localQueues, .workloads, .workloadPriorityClasses:
            return KueuePrinterColumns.columns(type).map { Column(name: $0.name, type: $0.type, priority: $0.priority,
                description: $0.description) }
        default:
            return [name, Column(name: "Created At", type: "date", description: age.description)]
        }
    }

    /// The wide columns of workloads: containers, images, selector.
    private func templateColumns(selector: String) -> [Column] {
        [Column(name: "Containers", priority: 1, description: "Names of each container in the template."),
            Column(name: "Images", priority: 1, description: "Images referenced by each container in the template."),
            Column(name: "Selector", priority: 1, description: selector)]
    }

    func cells(_ type: ResourceType, _ object: JSONValue) -> [JSONValue] {
        let meta = ObjectMeta(json: object["metadata"] ?? .emptyObject)
        let name = JSONValue.string(meta.name ?? "")
        let age = JSONValue.string(ageText(meta.creationTimestamp))
        switch type {
        case .pods: return podCells(Pod(json: object), name: name, age: age)
        case .jobs: return jobCells(Job(json: object), name: name, age: age)
        case .persistentVolumeClaims:
            let capacity = object[path: ["status", "capacity", "storage"]]?.stringValue ?? ""
            let phase = meta.isBeingDeleted ? "Terminating" : (object[path: ["status", "phase"]]?.stringValue ?? "")
            return [name, .string(phase), .string(object[path: ["spec", "volumeName"]]?.stringValue ?? ""),
                .string(capacity), .string(accessModes(object[path: ["status", "accessModes"]])),
                .string(object[path: ["spec", "storageClassName"]]?.stringValue ?? ""),
                .string(object[path: ["spec", "volumeAttributesClassName"]]?.stringValue ?? "<unset>"), age,
                .string(object[path: ["spec", "volumeMode"]]?.stringValue ?? "Filesystem")]
        case .persistentVolumes:
            var claim = ""
            if let claimName = object[path: ["spec", "claimRef", "name"]]?.stringValue {
                claim = (object[path: ["spec", "claimRef", "namespace"]]?.stringValue ?? "") + "/" + claimName
            }
            let phase = meta.isBeingDeleted ? "Terminating" : (object[path: ["status", "phase"]]?.stringValue ?? "")
            return [name, .string(object[path: ["spec", "capacity", "storage"]]?.stringValue ?? ""),
                .string(accessModes(object[path: ["spec", "accessModes"]])),
                .string(object[path: ["spec", "persistentVolumeReclaimPolicy"]]?.stringValue ?? ""),
                .string(phase), .string(claim), .string(object[path: ["spec", "storageClassName"]]?.stringValue ?? ""),
                .string(object[path: ["spec", "volumeAttributesClassName"]]?.stringValue ?? "<unset>"),
                .string(object[path: ["status", "reason"]]?.stringValue ?? ""), age,
                .string(object[path: ["spec", "volumeMode"]]?.stringValue ?? "Filesystem")]
        case .events: return eventCells(CoreEvent(json: object), meta: meta)
        case .namespaces:
            return [name, .string(object[path: ["status", "phase"]]?.stringValue ?? ""), age]
        case .deployments:
            let deployment = Deployment(json: object)
            let status = deployment.status
            return [name, .string("\(status.readyReplicas ?? 0)/\(deployment.replicas ?? 0)"),
                .integer(Int64(status.updatedReplicas ?? 0)), .integer(Int64(status.availableReplicas ?? 0)), age]
                + templateCells(object)
        case .replicaSets:
            let replicaSet = ReplicaSet(json: object)
            let status = replicaSet.status
            return [name, .integer(Int64(replicaSet.replicas ?? 0)), .integer(Int64(status.replicas ?? 0)),
                .integer(Int64(status.readyReplicas ?? 0)), age] + templateCells(object)
        case .leases:
            return [name, .string(Lease(json: object).holderIdentity ?? ""), age]
        case .clusterQueues, .localQueues, .workloads, .workloadPriorityClasses:
            return KueuePrinterColumns.cells(type, object, age: age)
        default:
            return [name, .string(meta.creationTimestamp.map { KubeTime.string(from: $0) } ?? "")]
        }
    }

    /// Containers, images and selector of a workload's template, as kubectl's wide output.
    private func templateCells(_ object: JSONValue) -> [JSONValue] {
        let containers = object[path: ["spec", "template", "spec", "containers"]]?.arrayValue ?? []
        let selector = (try? LabelSelectorSpec(json: object[path: ["spec", "selector"]] ?? .emptyObject).selector)?
            .description ?? ""
        return [.string(containers.compactMap { $0["name"]?.stringValue }.joined(separator: ",")),
            .string(containers.compactMap { $0["image"]?.stringValue }.joined(separator: ",")),
            .string(selector.isEmpty ? "<none>" : selector)]
    }

    private func ageText(_ date: Date?) -> String {
        guard let date else { return "<unknown>" }
        return HumanDuration.string(now.timeIntervalSince(date))
    }

    private func accessModes(_ value: JSONValue?) -> String {
        let short = ["ReadWriteOnce": "RWO", "ReadOnlyMany": "ROX", "ReadWriteMany": "RWX", "ReadWriteOncePod": "RWOP"]
        return (value?.arrayValue ?? []).compactMap(\.stringValue).map { short[$0] ?? $0 }.joined(separator: ",")
    }

    private func podCells(_ pod: Pod, name: JSONValue, age: JSONValue) -> [JSONValue] {
        let spec = pod.spec
        let status = pod.status
        let statuses = status.containerStatuses
        let ready = statuses.filter { $0.ready == true }.count
        var restarts = statuses.reduce(0) { $0 + ($1.restartCount ?? 0) }
        var reason = status.reason ?? status.phase?.rawValue ?? "Pending"

        // Init containers first, as kubectl's printPod does.
        var initializing = false
        let initStatuses = status.initContainerStatuses
        let regularInits = spec.initContainers.filter { !$0.isSidecar }
        for (index, container) in initStatuses.enumerated() {
            restarts += container.restartCount ?? 0
            if spec.initContainers.first(where: { $0.name == container.name })?.isSidecar == true { continue }
            let state = container.json["state"] ?? .emptyObject
            if let terminated = state["terminated"], terminated["exitCode"]?.int64Value == 0 { continue }
            if let terminated = state["terminated"] {
                let code = terminated["exitCode"]?.int64Value ?? 0
                reason = terminated["reason"]?.stringValue.map { "Init:" + $0 } ?? "Init:ExitCode:\(code)"
            } else if let waiting = state["waiting"]?["reason"]?.stringValue, waiting != "PodInitializing" {
                reason = "Init:" + waiting
            } else {
                reason = "Init:\(index)/\(regularInits.count)"
            }
            initializing = true
            break
        }
        if !initializing {
            var hasRunning = false
            for container in statuses.reversed() {
                let state = container.json["state"] ?? .emptyObject
                if let waiting = state["waiting"]?["reason"]?.stringValue, !waiting.isEmpty {
                    reason = waiting
                } else if let terminated = state["terminated"] {
                    if let text = terminated["reason"]?.stringValue, !text.isEmpty {
                        reason = text
                    } else if let signal = terminated["signal"]?.int64Value, signal != 0 {
                        reason = "Signal:\(signal)"
                    } else {
                        reason = "ExitCode:\(terminated["exitCode"]?.int64Value ?? 0)"
                    }
                } else if container.json["ready"]?.boolValue == true, state["running"] != nil {
                    hasRunning = true
                }
            }
            if reason == "Completed", hasRunning { reason = "Running" }
        }
        if pod.metadata.isBeingDeleted { reason = "Terminating" }
        let total = spec.containers.count + spec.initContainers.filter(\.isSidecar).count
        return [name, .string("\(ready)/\(total)"), .string(reason), .integer(Int64(restarts)), age,
            .string(status.podIP ?? "<none>"), .string(spec.nodeName ?? "<none>"), "<none>", "<none>"]
    }

    private func jobCells(_ job: Job, name: JSONValue, age: JSONValue) -> [JSONValue] {
        let json = job.json
        let completions = json[path: ["spec", "completions"]]?.int64Value ?? 1
        let succeeded = json[path: ["status", "succeeded"]]?.int64Value ?? 0
        let conditions = json[path: ["status", "conditions"]]?.arrayValue ?? []
        func isTrue(_ type: String) -> Bool {
            conditions.contains { $0["type"]?.stringValue == type && $0["status"]?.stringValue == "True" }
        }
        let status: String
        if isTrue("Failed") { status = "Failed" }
        else if isTrue("Complete") { status = "Complete" }
        else if job.metadata.isBeingDeleted { status = "Terminating" }
        else if isTrue("FailureTarget") { status = "FailureTarget" }
        else if isTrue("SuccessCriteriaMet") { status = "SuccessCriteriaMet" }
        else if isTrue("Suspended") { status = "Suspended" }
        else { status = "Running" }
        var duration = ""
        if let start = json[path: ["status", "startTime"]]?.stringValue.flatMap(RFC3339.date(from:)) {
            let end = json[path: ["status", "completionTime"]]?.stringValue.flatMap(RFC3339.date(from:)) ?? now
            duration = HumanDuration.string(end.timeIntervalSince(start))
        }
        let containers = json[path: ["spec", "template", "spec", "containers"]]?.arrayValue ?? []
        let selector = (json[path: ["spec", "selector", "matchLabels"]]?.members ?? [])
            .map { "\($0.key)=\($0.value.stringValue ?? "")" }.sorted().joined(separator: ",")
        return [name, .string(status), .string("\(succeeded)/\(completions)"), .string(duration), age,
            .string(containers.compactMap { $0["name"]?.stringValue }.joined(separator: ",")),
            .string(containers.compactMap { $0["image"]?.stringValue }.joined(separator: ",")),
            .string(selector.isEmpty ? "<none>" : selector)]
    }

    private func eventCells(_ event: CoreEvent, meta: ObjectMeta) -> [JSONValue] {
        let involved = event.involvedObject.json
        let last = event.lastTimestamp ?? event.eventTime ?? meta.creationTimestamp
        let first = event.firstTimestamp ?? event.eventTime ?? meta.creationTimestamp
        let kind = (involved["kind"]?.stringValue ?? "").lowercased()
        let objectText = "\(kind)/\(involved["name"]?.stringValue ?? "")"
        var source = event.sourceComponent ?? event.reportingComponent ?? ""
        if let host = event.json[path: ["source", "host"]]?.stringValue, !host.isEmpty { source += ", " + host }
        return [.string(ageText(last)), .string(event.type ?? ""), .string(event.reason ?? ""), .string(objectText),
            .string(involved["fieldPath"]?.stringValue ?? ""), .string(source), .string(event.message ?? ""),
            .string(ageText(first)), .integer(Int64(event.count ?? 1)), .string(meta.name ?? "")]
    }
}
