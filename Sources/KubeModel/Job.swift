import FlightdeckCore
import Foundation

/// `batch/v1/Job`: one agent task.
public struct Job: KubeObject {
    public static let resourceType = ResourceType.jobs
    public var json: JSONValue
    public init(json: JSONValue) { self.json = json }

    public var spec: JobSpec {
        get { self[view: "spec"] }
        set { self[view: "spec"] = newValue }
    }
    public var status: JobStatus {
        get { self[view: "status"] }
        set { self[view: "status"] = newValue }
    }

    /// Finished: a `Complete` or `Failed` condition is `True`.
    public var isFinished: Bool {
        status.conditions.contains { ($0.type == JobConditionType.complete.rawValue
            || $0.type == JobConditionType.failed.rawValue) && $0.isTrue }
    }
}

/// Job condition types.
public struct JobConditionType: OpenEnum {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let complete: Self = "Complete"
    public static let failed: Self = "Failed"
    public static let suspended: Self = "Suspended"
    public static let failureTarget: Self = "FailureTarget"
    public static let successCriteriaMet: Self = "SuccessCriteriaMet"
}

public struct JobSpec: JSONView {
    public var json: JSONValue
    public init(json: JSONValue) { self.json = json }

    public var suspend: Bool? {
        get { self[field: "suspend"] }
        set { self[field: "suspend"] = newValue }
    }
    public var parallelism: Int? {
        get { self[field: "parallelism"] }
        set { self[field: "parallelism"] = newValue }
    }
    public var completions: Int? {
        get { self[field: "completions"] }
        set { self[field: "completions"] = newValue }
    }
    public var backoffLimit: Int? {
        get { self[field: "backoffLimit"] }
        set { self[field: "backoffLimit"] = newValue }
    }
    public var activeDeadlineSeconds: Int64? {
        get { self[field: "activeDeadlineSeconds"] }
        set { self[field: "activeDeadlineSeconds"] = newValue }
    }
    public var ttlSecondsAfterFinished: Int? {
        get { self[field: "ttlSecondsAfterFinished"] }
        set { self[field: "ttlSecondsAfterFinished"] = newValue }
    }
    /// `NonIndexed` or `Indexed`.
    public var completionMode: String? {
        get { self[field: "completionMode"] }
        set { self[field: "completionMode"] = newValue }
    }
    public var podFailurePolicy: PodFailurePolicy? {
        get { self[field: "podFailurePolicy"] }
        set { self[field: "podFailurePolicy"] = newValue }
    }
    public var selector: LabelSelectorSpec? {
        get { self[field: "selector"] }
        set { self[field: "selector"] = newValue }
    }
    public var manualSelector: Bool? {
        get { self[field: "manualSelector"] }
        set { self[field: "manualSelector"] = newValue }
    }
    public var template: PodTemplateSpec {
        get { self[view: "template"] }
        set { self[view: "template"] = newValue }
    }
}

/// `spec.podFailurePolicy`: ordered rules, the first match decides.
public struct PodFailurePolicy: JSONView {
    public var json: JSONValue
    public init(json: JSONValue) { self.json = json }

    public init(rules: [PodFailurePolicyRule]) {
        self.init()
        self.rules = rules
    }

    public var rules: [PodFailurePolicyRule] {
        get { self[list: "rules"] }
        set { self[list: "rules"] = newValue }
    }
}

public struct PodFailurePolicyAction: OpenEnum {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let failJob: Self = "FailJob"
    public static let ignore: Self = "Ignore"
    public static let count: Self = "Count"
    public static let failIndex: Self = "FailIndex"
}

public struct PodFailurePolicyRule: JSONView {
    public var json: JSONValue
    public init(json: JSONValue) { self.json = json }

    public init(action: PodFailurePolicyAction, onExitCodes: OnExitCodes? = nil,
        onPodConditions: [OnPodCondition] = [])
    {
        self.init()
        self.action = action
        self.onExitCodes = onExitCodes
        self.onPodConditions = onPodConditions
    }

    public var action: PodFailurePolicyAction? {
        get { self[field: "action"] }
        set { self[field: "action"] = newValue }
    }
    public var onExitCodes: OnExitCodes? {
        get { self[field: "onExitCodes"] }
        set { self[field: "onExitCodes"] = newValue }
    }
    public var onPodConditions: [OnPodCondition] {
        get { self[list: "onPodConditions"] }
        set { self[list: "onPodConditions"] = newValue }
    }

    /// `{containerName?, operator: In|NotIn, values}`.
    public struct OnExitCodes: JSONView {
        public var json: JSONValue
        public init(json: JSONValue) { self.json = json }

        public init(containerName: String? = nil, operator op: String, values: [Int]) {
            self.init()
            self.containerName = containerName
            self.operator = op
            self.values = values
        }

        public var containerName: String? {
            get { self[field: "containerName"] }
            set { self[field: "containerName"] = newValue }
        }
        /// `In` or `NotIn`.
        public var `operator`: String? {
            get { self[field: "operator"] }
            set { self[field: "operator"] = newValue }
        }
        public var values: [Int] {
            get { self[list: "values"] }
            set { self[list: "values"] = newValue }
        }

        /// Whether `exitCode` of `container` satisfies this requirement.
        public func matches(exitCode: Int, container: String) -> Bool {
            if let containerName, containerName != container { return false }
            switch self.operator {
            case "In": return values.contains(exitCode)
            case "NotIn": return !values.contains(exitCode)
            default: return false
            }
        }
    }

    /// `{type, status}`, e.g. `{DisruptionTarget, True}`.
    public struct OnPodCondition: JSONView {
        public var json: JSONValue
        public init(json: JSONValue) { self.json = json }

        public init(type: String, status: ConditionStatus) {
            self.init()
            self.type = type
            self.status = status
        }

        public var type: String? {
            get { self[field: "type"] }
            set { self[field: "type"] = newValue }
        }
        public var status: ConditionStatus? {
            get { self[field: "status"] }
            set { self[field: "status"] = newValue }
        }
    }
}

public struct JobStatus: JSONView {
    public var json: JSONValue
    public init(json: JSONValue) { self.json = json }

    public var active: Int? {
        get { self[field: "active"] }
        set { self[field: "active"] = newValue }
    }
    public var succeeded: Int? {
        get { self[field: "succeeded"] }
        set { self[field: "succeeded"] = newValue }
    }
    public var failed: Int? {
        get { self[field: "failed"] }
        set { self[field: "failed"] = newValue }
    }
    public var ready: Int? {
        get { self[field: "ready"] }
        set { self[field: "ready"] = newValue }
    }
    public var terminating: Int? {
        get { self[field: "terminating"] }
        set { self[field: "terminating"] = newValue }
    }
    public var startTime: Date? {
        get { self[time: "startTime"] }
        set { self[time: "startTime"] = newValue }
    }
    public var completionTime: Date? {
        get { self[time: "completionTime"] }
        set { self[time: "completionTime"] = newValue }
    }
    public var conditions: [Condition] {
        get { self[list: "conditions"] }
        set { self[list: "conditions"] = newValue }
    }

    /// The condition of `type`, if present.
    public func condition(_ type: JobConditionType) -> Condition? {
        conditions.first(type: type.rawValue)
    }
}
