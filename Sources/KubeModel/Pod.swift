import FlightdeckCore
import Foundation

/// `v1/Pod`.
public struct Pod: KubeObject {
    public static let resourceType = ResourceType.pods
    public var json: JSONValue
    public init(json: JSONValue) { self.json = json }

    public var spec: PodSpec {
        get { self[view: "spec"] }
        set { self[view: "spec"] = newValue }
    }
    public var status: PodStatus {
        get { self[view: "status"] }
        set { self[view: "status"] = newValue }
    }
}

/// `spec.template` of a Job or Deployment: metadata + a pod spec.
public struct PodTemplateSpec: JSONView {
    public var json: JSONValue
    public init(json: JSONValue) { self.json = json }

    public var metadata: ObjectMeta {
        get { self[view: "metadata"] }
        set { self[view: "metadata"] = newValue }
    }
    public var spec: PodSpec {
        get { self[view: "spec"] }
        set { self[view: "spec"] = newValue }
    }
}

public struct PodSpec: JSONView {
    public var json: JSONValue
    public init(json: JSONValue) { self.json = json }

    public var containers: [Container] {
        get { self[list: "containers"] }
        set { self[list: "containers"] = newValue }
    }
    /// Init containers; one with `restartPolicy: Always` is a native sidecar (1.29+).
    public var initContainers: [Container] {
        get { self[list: "initContainers"] }
        set { self[list: "initContainers"] = newValue }
    }
    public var volumes: [Volume] {
        get { self[list: "volumes"] }
        set { self[list: "volumes"] = newValue }
    }
    public var nodeName: String? {
        get { self[field: "nodeName"] }
        set { self[field: "nodeName"] = newValue }
    }
    /// `Always`, `OnFailure`, `Never` (a Job's pods: `Never` or `OnFailure`).
    public var restartPolicy: String? {
        get { self[field: "restartPolicy"] }
        set { self[field: "restartPolicy"] = newValue }
    }
    /// The pod-level `PodSecurityContext`, as JSON-backed view.
    public var securityContext: SecurityContext {
        get { self[view: "securityContext"] }
        set { self[view: "securityContext"] = newValue }
    }
    public var serviceAccountName: String? {
        get { self[field: "serviceAccountName"] }
        set { self[field: "serviceAccountName"] = newValue }
    }
    public var automountServiceAccountToken: Bool? {
        get { self[field: "automountServiceAccountToken"] }
        set { self[field: "automountServiceAccountToken"] = newValue }
    }
    public var terminationGracePeriodSeconds: Int64? {
        get { self[field: "terminationGracePeriodSeconds"] }
        set { self[field: "terminationGracePeriodSeconds"] = newValue }
    }
    public var nodeSelector: [String: String] {
        get { self[stringMap: "nodeSelector"] }
        set { self[stringMap: "nodeSelector"] = newValue }
    }

    /// Native sidecars: init containers with `restartPolicy: Always`.
    public var sidecarContainers: [Container] { initContainers.filter(\.isSidecar) }
}

public struct Container: JSONView {
    public var json: JSONValue
    public init(json: JSONValue) { self.json = json }

    public init(name: String, image: String) {
        self.init()
        self.name = name
        self.image = image
    }

    public var name: String? {
        get { self[field: "name"] }
        set { self[field: "name"] = newValue }
    }
    public var image: String? {
        get { self[field: "image"] }
        set { self[field: "image"] = newValue }
    }
    public var imagePullPolicy: String? {
        get { self[field: "imagePullPolicy"] }
        set { self[field: "imagePullPolicy"] = newValue }
    }
    public var command: [String] {
        get { self[list: "command"] }
        set { self[list: "command"] = newValue }
    }
    public var args: [String] {
        get { self[list: "args"] }
        set { self[list: "args"] = newValue }
    }
    public var workingDir: String? {
        get { self[field: "workingDir"] }
        set { self[field: "workingDir"] = newValue }
    }
    public var env: [EnvVar] {
        get { self[list: "env"] }
        set { self[list: "env"] = newValue }
    }
    public var volumeMounts: [VolumeMount] {
        get { self[list: "volumeMounts"] }
        set { self[list: "volumeMounts"] = newValue }
    }
    public var resources: ResourceRequirements {
        get { self[view: "resources"] }
        set { self[view: "resources"] = newValue }
    }
    public var securityContext: SecurityContext {
        get { self[view: "securityContext"] }
        set { self[view: "securityContext"] = newValue }
    }
    /// The probe, kept as JSON (`exec`/`httpGet`/`tcpSocket`/`grpc` + timings).
    public var livenessProbe: JSONValue? {
        get { json["livenessProbe"] }
        set { json.setMember("livenessProbe", newValue) }
    }
    public var readinessProbe: JSONValue? {
        get { json["readinessProbe"] }
        set { json.setMember("readinessProbe", newValue) }
    }
    /// Only on init containers: `Always` makes it a native sidecar.
    public var restartPolicy: String? {
        get { self[field: "restartPolicy"] }
        set { self[field: "restartPolicy"] = newValue }
    }
    public var isSidecar: Bool { restartPolicy == "Always" }
}

public struct EnvVar: JSONView {
    public var json: JSONValue
    public init(json: JSONValue) { self.json = json }

    public init(name: String, value: String) {
        self.init()
        self.name = name
        self.value = value
    }

    public var name: String? {
        get { self[field: "name"] }
        set { self[field: "name"] = newValue }
    }
    public var value: String? {
        get { self[field: "value"] }
        set { self[field: "value"] = newValue }
    }
    /// `valueFrom` (`secretKeyRef`, `configMapKeyRef`, `fieldRef`…), kept as JSON.
    public var valueFrom: JSONValue? {
        get { json["valueFrom"] }
        set { json.setMember("valueFrom", newValue) }
    }
}

public struct VolumeMount: JSONView {
    public var json: JSONValue
    public init(json: JSONValue) { self.json = json }

    public init(name: String, mountPath: String, readOnly: Bool? = nil) {
        self.init()
        self.name = name
        self.mountPath = mountPath
        self.readOnly = readOnly
    }

    public var name: String? {
        get { self[field: "name"] }
        set { self[field: "name"] = newValue }
    }
    public var mountPath: String? {
        get { self[field: "mountPath"] }
        set { self[field: "mountPath"] = newValue }
    }
    public var subPath: String? {
        get { self[field: "subPath"] }
        set { self[field: "subPath"] = newValue }
    }
    public var readOnly: Bool? {
        get { self[field: "readOnly"] }
        set { self[field: "readOnly"] = newValue }
    }
}

/// A pod volume: `name` plus one source, read through the typed helpers or as JSON.
public struct Volume: JSONView {
    public var json: JSONValue
    public init(json: JSONValue) { self.json = json }

    public var name: String? {
        get { self[field: "name"] }
        set { self[field: "name"] = newValue }
    }
    /// `persistentVolumeClaim.claimName`.
    public var claimName: String? {
        get { json[path: ["persistentVolumeClaim", "claimName"]]?.stringValue }
        set { json[path: ["persistentVolumeClaim", "claimName"]] = newValue.map(JSONValue.string) }
    }
    /// `secret.secretName`.
    public var secretName: String? {
        get { json[path: ["secret", "secretName"]]?.stringValue }
        set { json[path: ["secret", "secretName"]] = newValue.map(JSONValue.string) }
    }
    /// `configMap.name`.
    public var configMapName: String? {
        get { json[path: ["configMap", "name"]]?.stringValue }
        set { json[path: ["configMap", "name"]] = newValue.map(JSONValue.string) }
    }
    /// Whether this is an `emptyDir`.
    public var isEmptyDir: Bool { json["emptyDir"] != nil }
}

/// `resources`: `requests` and `limits` as quantities.
public struct ResourceRequirements: JSONView {
    public var json: JSONValue
    public init(json: JSONValue) { self.json = json }

    public var requests: [String: Quantity] {
        get { Self.quantities(json["requests"]) }
        set { setQuantities("requests", newValue) }
    }
    public var limits: [String: Quantity] {
        get { Self.quantities(json["limits"]) }
        set { setQuantities("limits", newValue) }
    }

    static func quantities(_ value: JSONValue?) -> [String: Quantity] {
        var result: [String: Quantity] = [:]
        for member in value?.members ?? [] {
            if let quantity = Quantity(jsonValue: member.value) { result[member.key] = quantity }
        }
        return result
    }

    private mutating func setQuantities(_ key: String, _ map: [String: Quantity]) {
        if map.isEmpty, json[key] == nil { return }
        if Self.quantities(json[key]) == map, json[key]?.members?.count == map.count { return }
        json.setMember(key, .object(map.keys.sorted().map { .init($0, map[$0]!.jsonValue) }))
    }
}

/// A (pod or container) security context; the fields PodSecurity "restricted" checks.
public struct SecurityContext: JSONView {
    public var json: JSONValue
    public init(json: JSONValue) { self.json = json }

    public var runAsNonRoot: Bool? {
        get { self[field: "runAsNonRoot"] }
        set { self[field: "runAsNonRoot"] = newValue }
    }
    public var runAsUser: Int64? {
        get { self[field: "runAsUser"] }
        set { self[field: "runAsUser"] = newValue }
    }
    public var runAsGroup: Int64? {
        get { self[field: "runAsGroup"] }
        set { self[field: "runAsGroup"] = newValue }
    }
    public var fsGroup: Int64? {
        get { self[field: "fsGroup"] }
        set { self[field: "fsGroup"] = newValue }
    }
    public var allowPrivilegeEscalation: Bool? {
        get { self[field: "allowPrivilegeEscalation"] }
        set { self[field: "allowPrivilegeEscalation"] = newValue }
    }
    public var privileged: Bool? {
        get { self[field: "privileged"] }
        set { self[field: "privileged"] = newValue }
    }
    public var readOnlyRootFilesystem: Bool? {
        get { self[field: "readOnlyRootFilesystem"] }
        set { self[field: "readOnlyRootFilesystem"] = newValue }
    }
    /// `capabilities.drop`.
    public var capabilitiesDrop: [String] {
        get { json[path: ["capabilities", "drop"]].flatMap { [String](jsonValue: $0) } ?? [] }
        set {
            if newValue.isEmpty, json[path: ["capabilities", "drop"]] == nil { return }
            json[path: ["capabilities", "drop"]] = newValue.jsonValue
        }
    }
    /// `capabilities.add`.
    public var capabilitiesAdd: [String] {
        get { json[path: ["capabilities", "add"]].flatMap { [String](jsonValue: $0) } ?? [] }
        set { json[path: ["capabilities", "add"]] = newValue.isEmpty ? nil : newValue.jsonValue }
    }
    /// `seccompProfile.type`: `RuntimeDefault`, `Localhost`, `Unconfined`.
    public var seccompProfileType: String? {
        get { json[path: ["seccompProfile", "type"]]?.stringValue }
        set { json[path: ["seccompProfile", "type"]] = newValue.map(JSONValue.string) }
    }
}

// MARK: - Status

public struct PodPhase: OpenEnum {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let pending: Self = "Pending"
    public static let running: Self = "Running"
    public static let succeeded: Self = "Succeeded"
    public static let failed: Self = "Failed"
    public static let unknown: Self = "Unknown"
}

public struct PodStatus: JSONView {
    public var json: JSONValue
    public init(json: JSONValue) { self.json = json }

    public var phase: PodPhase? {
        get { self[field: "phase"] }
        set { self[field: "phase"] = newValue }
    }
    public var conditions: [Condition] {
        get { self[list: "conditions"] }
        set { self[list: "conditions"] = newValue }
    }
    public var containerStatuses: [ContainerStatus] {
        get { self[list: "containerStatuses"] }
        set { self[list: "containerStatuses"] = newValue }
    }
    public var initContainerStatuses: [ContainerStatus] {
        get { self[list: "initContainerStatuses"] }
        set { self[list: "initContainerStatuses"] = newValue }
    }
    public var podIP: String? {
        get { self[field: "podIP"] }
        set { self[field: "podIP"] = newValue }
    }
    public var hostIP: String? {
        get { self[field: "hostIP"] }
        set { self[field: "hostIP"] = newValue }
    }
    public var startTime: Date? {
        get { self[time: "startTime"] }
        set { self[time: "startTime"] = newValue }
    }
    /// A short machine reason, e.g. `Evicted`.
    public var reason: String? {
        get { self[field: "reason"] }
        set { self[field: "reason"] = newValue }
    }
    public var message: String? {
        get { self[field: "message"] }
        set { self[field: "message"] = newValue }
    }
    /// Not a real `PodStatus` field upstream (the node is `spec.nodeName`), but the
    /// simulated server and some fixtures carry it; read when present.
    public var nodeName: String? {
        get { self[field: "nodeName"] }
        set { self[field: "nodeName"] = newValue }
    }

    /// The status of container `name` among regular then init containers.
    public func containerStatus(named name: String) -> ContainerStatus? {
        containerStatuses.first { $0.name == name } ?? initContainerStatuses.first { $0.name == name }
    }
}

public struct ContainerStatus: JSONView {
    public var json: JSONValue
    public init(json: JSONValue) { self.json = json }

    public var name: String? {
        get { self[field: "name"] }
        set { self[field: "name"] = newValue }
    }
    public var ready: Bool? {
        get { self[field: "ready"] }
        set { self[field: "ready"] = newValue }
    }
    public var started: Bool? {
        get { self[field: "started"] }
        set { self[field: "started"] = newValue }
    }
    public var restartCount: Int? {
        get { self[field: "restartCount"] }
        set { self[field: "restartCount"] = newValue }
    }
    public var image: String? {
        get { self[field: "image"] }
        set { self[field: "image"] = newValue }
    }
    public var containerID: String? {
        get { self[field: "containerID"] }
        set { self[field: "containerID"] = newValue }
    }
    public var state: ContainerState {
        get { self[view: "state"] }
        set { self[view: "state"] = newValue }
    }
    public var lastState: ContainerState {
        get { self[view: "lastState"] }
        set { self[view: "lastState"] = newValue }
    }
}

/// One of `waiting`, `running`, `terminated` (an empty state reads as all `nil`).
public struct ContainerState: JSONView {
    public var json: JSONValue
    public init(json: JSONValue) { self.json = json }

    public static func waiting(reason: String, message: String? = nil) -> ContainerState {
        var state = ContainerState()
        var waiting = Waiting()
        waiting.reason = reason
        waiting.message = message
        state.json.setMember("waiting", waiting.json)
        return state
    }

    public static func running(startedAt: Date) -> ContainerState {
        var state = ContainerState()
        var running = Running()
        running.startedAt = startedAt
        state.json.setMember("running", running.json)
        return state
    }

    public static func terminated(exitCode: Int, reason: String? = nil, message: String? = nil,
        startedAt: Date? = nil, finishedAt: Date? = nil) -> ContainerState
    {
        var state = ContainerState()
        var terminated = Terminated()
        terminated.exitCode = exitCode
        terminated.reason = reason
        terminated.message = message
        terminated.startedAt = startedAt
        terminated.finishedAt = finishedAt
        state.json.setMember("terminated", terminated.json)
        return state
    }

    public var waiting: Waiting? {
        get { self[field: "waiting"] }
        set { self[field: "waiting"] = newValue }
    }
    public var running: Running? {
        get { self[field: "running"] }
        set { self[field: "running"] = newValue }
    }
    public var terminated: Terminated? {
        get { self[field: "terminated"] }
        set { self[field: "terminated"] = newValue }
    }

    public struct Waiting: JSONView {
        public var json: JSONValue
        public init(json: JSONValue) { self.json = json }
        public var reason: String? {
            get { self[field: "reason"] }
            set { self[field: "reason"] = newValue }
        }
        public var message: String? {
            get { self[field: "message"] }
            set { self[field: "message"] = newValue }
        }
    }

    public struct Running: JSONView {
        public var json: JSONValue
        public init(json: JSONValue) { self.json = json }
        public var startedAt: Date? {
            get { self[time: "startedAt"] }
            set { self[time: "startedAt"] = newValue }
        }
    }

    public struct Terminated: JSONView {
        public var json: JSONValue
        public init(json: JSONValue) { self.json = json }
        public var exitCode: Int? {
            get { self[field: "exitCode"] }
            set { self[field: "exitCode"] = newValue }
        }
        public var signal: Int? {
            get { self[field: "signal"] }
            set { self[field: "signal"] = newValue }
        }
        /// `Completed`, `Error`, `OOMKilled`, `ContainerCannotRun`…
        public var reason: String? {
            get { self[field: "reason"] }
            set { self[field: "reason"] = newValue }
        }
        public var message: String? {
            get { self[field: "message"] }
            set { self[field: "message"] = newValue }
        }
        public var startedAt: Date? {
            get { self[time: "startedAt"] }
            set { self[time: "startedAt"] = newValue }
        }
        public var finishedAt: Date? {
            get { self[time: "finishedAt"] }
            set { self[time: "finishedAt"] = newValue }
        }
    }
}
