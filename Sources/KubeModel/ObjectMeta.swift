import FlightdeckCore
import Foundation

/// `metadata` of every object (`metav1.ObjectMeta`).
public struct ObjectMeta: JSONView {
    public var json: JSONValue
    public init(json: JSONValue) { self.json = json }

    public var name: String? {
        get { self[field: "name"] }
        set { self[field: "name"] = newValue }
    }
    public var generateName: String? {
        get { self[field: "generateName"] }
        set { self[field: "generateName"] = newValue }
    }
    public var namespace: String? {
        get { self[field: "namespace"] }
        set { self[field: "namespace"] = newValue }
    }
    public var uid: String? {
        get { self[field: "uid"] }
        set { self[field: "uid"] = newValue }
    }
    /// Opaque: compare for equality only, never numerically (the API says so).
    public var resourceVersion: String? {
        get { self[field: "resourceVersion"] }
        set { self[field: "resourceVersion"] = newValue }
    }
    public var generation: Int64? {
        get { self[field: "generation"] }
        set { self[field: "generation"] = newValue }
    }
    public var creationTimestamp: Date? {
        get { self[time: "creationTimestamp"] }
        set { self[time: "creationTimestamp"] = newValue }
    }
    public var deletionTimestamp: Date? {
        get { self[time: "deletionTimestamp"] }
        set { self[time: "deletionTimestamp"] = newValue }
    }
    public var deletionGracePeriodSeconds: Int64? {
        get { self[field: "deletionGracePeriodSeconds"] }
        set { self[field: "deletionGracePeriodSeconds"] = newValue }
    }
    public var labels: [String: String] {
        get { self[stringMap: "labels"] }
        set { self[stringMap: "labels"] = newValue }
    }
    public var annotations: [String: String] {
        get { self[stringMap: "annotations"] }
        set { self[stringMap: "annotations"] = newValue }
    }
    public var ownerReferences: [OwnerReference] {
        get { self[list: "ownerReferences"] }
        set { self[list: "ownerReferences"] = newValue }
    }
    public var finalizers: [String] {
        get { self[list: "finalizers"] }
        set { self[list: "finalizers"] = newValue }
    }
    /// `managedFields`, kept as JSON: the model never interprets server-side-apply state.
    public var managedFields: JSONValue? {
        get { json["managedFields"] }
        set { json.setMember("managedFields", newValue) }
    }

    /// Whether a delete has been requested (the object lingers for finalizers/grace).
    public var isBeingDeleted: Bool { json["deletionTimestamp"] != nil && json["deletionTimestamp"] != .null }

    /// The owner marked `controller: true`, if any.
    public var controllerReference: OwnerReference? {
        ownerReferences.first { $0.controller == true }
    }
}

/// One `metadata.ownerReferences` entry.
public struct OwnerReference: JSONView {
    public var json: JSONValue
    public init(json: JSONValue) { self.json = json }

    public init(apiVersion: String, kind: String, name: String, uid: String, controller: Bool? = nil,
        blockOwnerDeletion: Bool? = nil)
    {
        self.init()
        self.apiVersion = apiVersion
        self.kind = kind
        self.name = name
        self.uid = uid
        self.controller = controller
        self.blockOwnerDeletion = blockOwnerDeletion
    }

    public var apiVersion: String? {
        get { self[field: "apiVersion"] }
        set { self[field: "apiVersion"] = newValue }
    }
    public var kind: String? {
        get { self[field: "kind"] }
        set { self[field: "kind"] = newValue }
    }
    public var name: String? {
        get { self[field: "name"] }
        set { self[field: "name"] = newValue }
    }
    public var uid: String? {
        get { self[field: "uid"] }
        set { self[field: "uid"] = newValue }
    }
    public var controller: Bool? {
        get { self[field: "controller"] }
        set { self[field: "controller"] = newValue }
    }
    public var blockOwnerDeletion: Bool? {
        get { self[field: "blockOwnerDeletion"] }
        set { self[field: "blockOwnerDeletion"] = newValue }
    }
}

extension OwnerReference {
    /// A controller reference to `owner` (`controller: true, blockOwnerDeletion: true`), as
    /// the Job controller sets on its Pods.
    public static func controller<Owner: KubeObject>(_ owner: Owner) -> OwnerReference {
        OwnerReference(apiVersion: Owner.resourceType.apiVersion, kind: Owner.resourceType.kind,
            name: owner.metadata.name ?? "", uid: owner.metadata.uid ?? "", controller: true,
            blockOwnerDeletion: true)
    }
}

/// `metav1.LabelSelector` (`matchLabels` + `matchExpressions`) as found in `spec.selector`.
public struct LabelSelectorSpec: JSONView {
    public var json: JSONValue
    public init(json: JSONValue) { self.json = json }

    public var matchLabels: [String: String] {
        get { self[stringMap: "matchLabels"] }
        set { self[stringMap: "matchLabels"] = newValue }
    }
    public var matchExpressions: [LabelSelectorRequirementSpec] {
        get { self[list: "matchExpressions"] }
        set { self[list: "matchExpressions"] = newValue }
    }

    /// The equivalent parsed selector (an empty spec selects everything, as in the API).
    public var selector: LabelSelector {
        get throws {
            var requirements: [LabelSelector.Requirement] = matchLabels.keys.sorted().map {
                .init(key: $0, operator: .equals, values: [matchLabels[$0]!])
            }
            for expression in matchExpressions {
                let key = expression.key ?? ""
                let values = expression.values
                let op: LabelSelector.Operator
                switch expression.operator ?? "" {
                case "In": op = .in
                case "NotIn": op = .notIn
                case "Exists": op = .exists
                case "DoesNotExist": op = .doesNotExist
                case let other:
                    throw LabelSelector.ParseError("\(other.isEmpty ? "empty" : "\"\(other)\"") is not a valid label selector operator")
                }
                requirements.append(try LabelSelector.Requirement(validating: key, op, values))
            }
            return LabelSelector(requirements: requirements)
        }
    }
}

/// One `matchExpressions` entry: `{key, operator: In|NotIn|Exists|DoesNotExist, values}`.
public struct LabelSelectorRequirementSpec: JSONView {
    public var json: JSONValue
    public init(json: JSONValue) { self.json = json }

    public var key: String? {
        get { self[field: "key"] }
        set { self[field: "key"] = newValue }
    }
    public var `operator`: String? {
        get { self[field: "operator"] }
        set { self[field: "operator"] = newValue }
    }
    public var values: [String] {
        get { self[list: "values"] }
        set { self[list: "values"] = newValue }
    }
}

/// A status condition (`type`, `status`, `reason`, `message`, `lastTransitionTime`, …), the
/// shape Jobs, Pods, Namespaces and most kinds share.
public struct Condition: JSONView {
    public var json: JSONValue
    public init(json: JSONValue) { self.json = json }

    public init(type: String, status: ConditionStatus, reason: String? = nil, message: String? = nil,
        lastTransitionTime: Date? = nil)
    {
        self.init()
        self.type = type
        self.status = status
        self.reason = reason
        self.message = message
        self.lastTransitionTime = lastTransitionTime
    }

    public var type: String? {
        get { self[field: "type"] }
        set { self[field: "type"] = newValue }
    }
    public var status: ConditionStatus? {
        get { self[field: "status"] }
        set { self[field: "status"] = newValue }
    }
    public var reason: String? {
        get { self[field: "reason"] }
        set { self[field: "reason"] = newValue }
    }
    public var message: String? {
        get { self[field: "message"] }
        set { self[field: "message"] = newValue }
    }
    public var lastTransitionTime: Date? {
        get { self[time: "lastTransitionTime"] }
        set { self[time: "lastTransitionTime"] = newValue }
    }
    /// Pods and Jobs also carry `lastProbeTime`/`lastHeartbeatTime` (Jobs: `lastProbeTime`).
    public var lastProbeTime: Date? {
        get { self[time: "lastProbeTime"] }
        set { self[time: "lastProbeTime"] = newValue }
    }
    /// Deployments' conditions also carry `lastUpdateTime` (the last time it was updated,
    /// even without a transition).
    public var lastUpdateTime: Date? {
        get { self[time: "lastUpdateTime"] }
        set { self[time: "lastUpdateTime"] = newValue }
    }
    public var isTrue: Bool { status == .true }
}

/// `"True"`, `"False"`, `"Unknown"`.
public struct ConditionStatus: OpenEnum {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let `true`: Self = "True"
    public static let `false`: Self = "False"
    public static let unknown: Self = "Unknown"
}

extension Array where Element == Condition {
    /// The condition of `type`, if present.
    public func first(type: String) -> Condition? { first { $0.type == type } }

    /// Sets the condition of `type` in place (or appends it), keeping the others.
    public mutating func set(_ condition: Condition) {
        if let index = firstIndex(where: { $0.type == condition.type }) {
            self[index] = condition
        } else {
            append(condition)
        }
    }
}
