import FlightdeckCore
import Foundation

/// `apps/v1/Deployment` (the NATS server, the egress proxy).
public struct Deployment: KubeObject {
    public static let resourceType = ResourceType.deployments
    public var json: JSONValue
    public init(json: JSONValue) { self.json = json }

    public var spec: JSONValue? {
        get { json["spec"] }
        set { json.setMember("spec", newValue) }
    }
    /// `spec.replicas` (the API defaults it to 1).
    public var replicas: Int? {
        get { json[path: ["spec", "replicas"]].flatMap(Int.init(jsonValue:)) }
        set { json[path: ["spec", "replicas"]] = newValue?.jsonValue }
    }
    public var template: PodTemplateSpec {
        get { json[path: ["spec", "template"]].map(PodTemplateSpec.init(json:)) ?? PodTemplateSpec() }
        set {
            if json[path: ["spec", "template"]] == nil, newValue.json.isEmptyObject { return }
            json[path: ["spec", "template"]] = newValue.json
        }
    }
    /// `spec.selector`: which pods (through their ReplicaSets) the Deployment manages.
    public var selector: LabelSelectorSpec {
        json[path: ["spec", "selector"]].map(LabelSelectorSpec.init(json:)) ?? LabelSelectorSpec()
    }
    /// `spec.strategy.type`: `RollingUpdate` (the default) or `Recreate`.
    public var strategyType: String {
        json[path: ["spec", "strategy", "type"]]?.stringValue ?? "RollingUpdate"
    }
    /// `spec.strategy.rollingUpdate.maxSurge`: a count or a percentage (`"25%"`).
    public var maxSurge: JSONValue? { json[path: ["spec", "strategy", "rollingUpdate", "maxSurge"]] }
    /// `spec.strategy.rollingUpdate.maxUnavailable`: a count or a percentage.
    public var maxUnavailable: JSONValue? { json[path: ["spec", "strategy", "rollingUpdate", "maxUnavailable"]] }
    public var minReadySeconds: Int {
        json[path: ["spec", "minReadySeconds"]].flatMap(Int.init(jsonValue:)) ?? 0
    }
    public var revisionHistoryLimit: Int? {
        json[path: ["spec", "revisionHistoryLimit"]].flatMap(Int.init(jsonValue:))
    }
    public var progressDeadlineSeconds: Int? {
        json[path: ["spec", "progressDeadlineSeconds"]].flatMap(Int.init(jsonValue:))
    }
    public var paused: Bool { json[path: ["spec", "paused"]]?.boolValue ?? false }

    public var status: DeploymentStatus {
        get { self[view: "status"] }
        set { self[view: "status"] = newValue }
    }
    public var readyReplicas: Int? {
        json[path: ["status", "readyReplicas"]].flatMap(Int.init(jsonValue:))
    }
    public var availableReplicas: Int? {
        json[path: ["status", "availableReplicas"]].flatMap(Int.init(jsonValue:))
    }
}

/// A Deployment's `status`. Counts the API omits when zero read as `nil`.
public struct DeploymentStatus: JSONView {
    public var json: JSONValue
    public init(json: JSONValue) { self.json = json }

    public var observedGeneration: Int64? { self[field: "observedGeneration"] }
    public var replicas: Int? { self[field: "replicas"] }
    public var updatedReplicas: Int? { self[field: "updatedReplicas"] }
    public var readyReplicas: Int? { self[field: "readyReplicas"] }
    public var availableReplicas: Int? { self[field: "availableReplicas"] }
    public var unavailableReplicas: Int? { self[field: "unavailableReplicas"] }
    public var collisionCount: Int? { self[field: "collisionCount"] }
    /// `Available`, `Progressing`, `ReplicaFailure`; each also carries `lastUpdateTime`.
    public var conditions: [Condition] {
        get { self[list: "conditions"] }
        set { self[list: "conditions"] = newValue }
    }
}

/// `apps/v1/ReplicaSet`: the pods of one revision of a Deployment's template.
public struct ReplicaSet: KubeObject {
    public static let resourceType = ResourceType.replicaSets
    public var json: JSONValue
    public init(json: JSONValue) { self.json = json }

    /// `spec.replicas` (the API defaults it to 1).
    public var replicas: Int? {
        get { json[path: ["spec", "replicas"]].flatMap(Int.init(jsonValue:)) }
        set { json[path: ["spec", "replicas"]] = newValue?.jsonValue }
    }
    public var minReadySeconds: Int {
        json[path: ["spec", "minReadySeconds"]].flatMap(Int.init(jsonValue:)) ?? 0
    }
    public var selector: LabelSelectorSpec {
        json[path: ["spec", "selector"]].map(LabelSelectorSpec.init(json:)) ?? LabelSelectorSpec()
    }
    public var template: PodTemplateSpec {
        json[path: ["spec", "template"]].map(PodTemplateSpec.init(json:)) ?? PodTemplateSpec()
    }
    public var status: ReplicaSetStatus {
        get { self[view: "status"] }
        set { self[view: "status"] = newValue }
    }
}

/// A ReplicaSet's `status`. Counts the API omits when zero read as `nil`.
public struct ReplicaSetStatus: JSONView {
    public var json: JSONValue
    public init(json: JSONValue) { self.json = json }

    public var replicas: Int? { self[field: "replicas"] }
    public var fullyLabeledReplicas: Int? { self[field: "fullyLabeledReplicas"] }
    public var readyReplicas: Int? { self[field: "readyReplicas"] }
    public var availableReplicas: Int? { self[field: "availableReplicas"] }
    public var observedGeneration: Int64? { self[field: "observedGeneration"] }
    /// `ReplicaFailure` while pods cannot be created or deleted.
    public var conditions: [Condition] {
        get { self[list: "conditions"] }
        set { self[list: "conditions"] = newValue }
    }
}
