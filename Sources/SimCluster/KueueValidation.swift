import FlightdeckCore
import KubeModel

/// What the apiserver does with Kueue's custom resources before storing them: the CRDs'
/// structural-schema defaults and validation (plus the few rules of Kueue's webhooks that a
/// client meets first), for the fields the sim's Kueue reads.
///
/// Defaults: a ClusterQueue's `queueingStrategy` is `BestEffortFIFO`; a Workload is
/// `active` and each pod set's `count` is 1. Refusals are 422 with a Status naming each
/// field, in the apiserver's words ("Required value", "Unsupported value", "Invalid value").
///
/// Why here, as an admission plugin: the sim's store has no per-kind strategies (see
/// `LeaseValidation`); registered only when the cluster serves Kueue.
public struct KueueValidation: AdmissionPlugin {
    public let name = "KueueValidation"

    public init() {}

    public func admit(_ request: inout AdmissionRequest, store: APIStore) throws(Status) -> [String] {
        guard ResourceType.kueue.contains(request.type), request.subresource == nil else { return [] }
        var causes: [Status.Cause] = []
        var object = request.object
        switch request.type {
        case .clusterQueues: causes = Self.clusterQueue(&object)
        case .localQueues:
            if (object[path: ["spec", "clusterQueue"]]?.stringValue ?? "").isEmpty {
                causes.append(Status.required("spec.clusterQueue"))
            }
            if let old = request.oldObject, let was = old[path: ["spec", "clusterQueue"]],
                object[path: ["spec", "clusterQueue"]] != was
            {
                causes.append(Status.invalidValue("spec.clusterQueue", object[path: ["spec", "clusterQueue"]] ?? .null,
                    "field is immutable"))
            }
        case .workloads: causes = Self.workload(&object)
        case .workloadPriorityClasses:
            if let value = object["value"] {
                // The CRD's `value` is an int32.
                if let number = value.int64Value {
                    if number < Int64(Int32.min) || number > Int64(Int32.max) {
                        causes.append(Status.invalidValue("value", value, "value in body should be a 32-bit integer"))
                    }
                } else {
                    causes.append(Status.invalidValue("value", value, "value in body must be of type integer: \"\(Self.typeName(value))\""))
                }
            } else {
                causes.append(Status.required("value"))
            }
        case .resourceFlavors:
            if let labels = object[path: ["spec", "nodeLabels"]] {
                for member in labels.members ?? [] where member.value.stringValue == nil {
                    causes.append(Status.invalidValue("spec.nodeLabels.\(member.key)", member.value,
                        "spec.nodeLabels.\(member.key) in body must be of type string"))
                }
                if labels.members == nil {
                    causes.append(Status.invalidValue("spec.nodeLabels", labels, "spec.nodeLabels in body must be of type object"))
                }
            }
        default: break
        }
        guard causes.isEmpty else { throw Status.invalid(request.type, name: request.name, causes: causes) }
        request.object = object
        return []
    }

    static let strategies = ["StrictFIFO", "BestEffortFIFO"]

    /// The JSON type name a structural-schema error quotes.
    static func typeName(_ value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool: "boolean"
        case .integer, .double: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    static func clusterQueue(_ object: inout JSONValue) -> [Status.Cause] {
        var causes: [Status.Cause] = []
        if object["spec"] == nil { object.setMember("spec", .emptyObject) }
        if let strategy = object[path: ["spec", "queueingStrategy"]] {
            if !strategies.contains(strategy.stringValue ?? "") {
                causes.append(Status.Cause(reason: "FieldValueNotSupported",
                    message: "Unsupported value: \(strategy.serialized): supported values: \"StrictFIFO\", \"BestEffortFIFO\"",
                    field: "spec.queueingStrategy"))
            }
        } else {
            object[path: ["spec", "queueingStrategy"]] = "BestEffortFIFO"
        }
        if let selector = object[path: ["spec", "namespaceSelector"]] {
            if selector.members == nil || (try? LabelSelectorSpec(json: selector).selector) == nil {
                causes.append(Status.invalidValue("spec.namespaceSelector", selector, "invalid label selector"))
            }
        }
        let groups = object[path: ["spec", "resourceGroups"]]
        if let groups, groups.arrayValue == nil {
            causes.append(Status.invalidValue("spec.resourceGroups", groups, "spec.resourceGroups in body must be of type array"))
        }
        var coveredSoFar: Set<String> = []
        for (g, group) in (groups?.arrayValue ?? []).enumerated() {
            let base = "spec.resourceGroups[\(g)]"
            let covered = (group["coveredResources"]?.arrayValue ?? []).compactMap(\.stringValue)
            if covered.isEmpty { causes.append(Status.required("\(base).coveredResources")) }
            for resource in covered where coveredSoFar.contains(resource) {
                causes.append(Status.Cause(reason: "FieldValueDuplicate", message: "Duplicate value: \"\(resource)\"",
                    field: "\(base).coveredResources"))
            }
            coveredSoFar.formUnion(covered)
            let flavors = group["flavors"]?.arrayValue ?? []
            if flavors.isEmpty { causes.append(Status.required("\(base).flavors")) }
            for (f, flavor) in flavors.enumerated() {
                let flavorPath = "\(base).flavors[\(f)]"
                if (flavor["name"]?.stringValue ?? "").isEmpty { causes.append(Status.required("\(flavorPath).name")) }
                let resources = flavor["resources"]?.arrayValue ?? []
                if resources.count != covered.count {
                    causes.append(Status.invalidValue("\(flavorPath).resources", flavor["resources"] ?? .null,
                        "flavor must have the same number of resources as the coveredResources"))
                }
                for (r, resource) in resources.enumerated() {
                    let resourcePath = "\(flavorPath).resources[\(r)]"
                    let name = resource["name"]?.stringValue ?? ""
                    if name.isEmpty {
                        causes.append(Status.required("\(resourcePath).name"))
                    } else if !covered.contains(name) {
                        causes.append(Status.invalidValue("\(resourcePath).name", .string(name),
                            "must match the name of a coveredResource"))
                    }
                    if let quota = resource["nominalQuota"] {
                        if let parsed = Quantity(jsonValue: quota) {
                            if parsed.value < 0 {
                                causes.append(Status.invalidValue("\(resourcePath).nominalQuota", quota,
                                    "must be greater than or equal to 0"))
                            }
                        } else {
                            causes.append(Status.invalidValue("\(resourcePath).nominalQuota", quota,
                                "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"))
                        }
                    } else {
                        causes.append(Status.required("\(resourcePath).nominalQuota"))
                    }
                }
            }
        }
        return causes
    }

    static func workload(_ object: inout JSONValue) -> [Status.Cause] {
        var causes: [Status.Cause] = []
        if object["spec"] == nil { object.setMember("spec", .emptyObject) }
        if object[path: ["spec", "active"]] == nil { object[path: ["spec", "active"]] = true }
        if let queueName = object[path: ["spec", "queueName"]], queueName.stringValue == nil {
            causes.append(Status.invalidValue("spec.queueName", queueName, "spec.queueName in body must be of type string"))
        }
        if let priority = object[path: ["spec", "priority"]], priority.int64Value == nil {
            causes.append(Status.invalidValue("spec.priority", priority, "spec.priority in body must be of type integer"))
        }
        guard var podSets = object[path: ["spec", "podSets"]]?.arrayValue, !podSets.isEmpty else {
            causes.append(Status.required("spec.podSets"))
            return causes
        }
        if podSets.count > 8 {
            causes.append(Status.Cause(reason: "FieldValueTooMany", message: "Too many: \(podSets.count): must have at most 8 items",
                field: "spec.podSets"))
        }
        var names: Set<String> = []
        for index in podSets.indices {
            let base = "spec.podSets[\(index)]"
            let name = podSets[index]["name"]?.stringValue ?? ""
            if name.isEmpty {
                causes.append(Status.required("\(base).name"))
            } else if !names.insert(name).inserted {
                causes.append(Status.Cause(reason: "FieldValueDuplicate", message: "Duplicate value: \"\(name)\"",
                    field: "\(base).name"))
            }
            if let count = podSets[index]["count"] {
                if (count.int64Value ?? -1) < 0 {
                    causes.append(Status.invalidValue("\(base).count", count, "must be greater than or equal to 0"))
                }
            } else {
                podSets[index].setMember("count", 1)
            }
            if podSets[index]["template"]?.members == nil { causes.append(Status.required("\(base).template")) }
        }
        object[path: ["spec", "podSets"]] = .array(podSets)
        return causes
    }
}
