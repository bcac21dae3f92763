import FlightdeckCore
import KubeModel
import SimCluster

/// The `scale` subresource of Deployments and ReplicaSets: an `autoscaling/v1` `Scale` that
/// shows the workload's desired and current replicas and its selector, and whose
/// `spec.replicas` is all a write may change (what `kubectl scale` reads and patches).
enum ScaleSubresource {
    /// The Scale of `object` (a Deployment or ReplicaSet as stored).
    static func scale(of object: JSONValue) -> JSONValue {
        var metadata: JSONValue = .emptyObject
        for field in ["name", "namespace", "uid", "resourceVersion", "creationTimestamp"] {
            if let value = object[path: ["metadata", field]] { metadata.setMember(field, value) }
        }
        var status: JSONValue = ["replicas": .integer(object[path: ["status", "replicas"]]?.int64Value ?? 0)]
        let selector = (try? LabelSelectorSpec(json: object[path: ["spec", "selector"]] ?? .emptyObject).selector)?
            .description ?? ""
        if !selector.isEmpty { status.setMember("selector", .string(selector)) }
        return [
            "kind": "Scale", "apiVersion": "autoscaling/v1", "metadata": metadata,
            "spec": ["replicas": .integer(object[path: ["spec", "replicas"]]?.int64Value ?? 1)],
            "status": status,
        ]
    }

    /// `object` with the replicas a written Scale asks for; its `resourceVersion`, when
    /// given, is a precondition on the object as for any update.
    static func applying(_ scale: JSONValue, to object: JSONValue) throws(Status) -> JSONValue {
        guard let replicas = scale[path: ["spec", "replicas"]]?.int64Value, replicas >= 0 else {
            throw Status.invalid(ResourceType(group: "autoscaling", version: "v1", kind: "Scale", plural: "scale",
                namespaced: true), name: object[path: ["metadata", "name"]]?.stringValue ?? "", causes: [
                    Status.Cause(reason: "FieldValueInvalid",
                        message: "Invalid value: \(scale[path: ["spec", "replicas"]]?.serialized ?? "null"): must be greater than or equal to 0",
                        field: "spec.replicas"),
                ])
        }
        var result = object
        result[path: ["spec", "replicas"]] = .integer(replicas)
        if let version = scale[path: ["metadata", "resourceVersion"]]?.stringValue, !version.isEmpty {
            result[path: ["metadata", "resourceVersion"]] = .string(version)
        }
        return result
    }
}
