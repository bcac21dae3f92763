import FlightdeckCore
import KubeModel

/// The defaulting and `PrepareForCreate` the apiserver's registries apply to new objects,
/// which clients (and the controllers here) rely on seeing in what they read back.
///
/// Why inside the store rather than an admission plugin: upstream this is not optional
/// admission but part of each type's REST strategy, and the Job selector needs the uid the
/// store assigns. Only fields that are absent are filled, so a caller that already sets
/// them (a fixture with a preset pod status) keeps its values.
enum CreateDefaults {
    static func apply(to object: inout JSONValue, type: ResourceType) {
        switch type {
        case .namespaces: namespace(&object)
        case .jobs: job(&object)
        case .pods: pod(&object)
        case .deployments: deployment(&object)
        case .replicaSets: replicaSet(&object)
        case .persistentVolumeClaims, .persistentVolumes:
            if object[path: ["status", "phase"]] == nil { object[path: ["status", "phase"]] = "Pending" }
        default: break
        }
    }

    /// `SetDefaults_Job` plus the registry's `generateSelector`: the controller-uid selector
    /// and the four labels on the pod template (and on the Job when it has none).
    static func job(_ object: inout JSONValue) {
        var spec = object["spec"] ?? .emptyObject
        if spec["completions"] == nil, spec["parallelism"] == nil { spec.setMember("completions", 1) }
        if spec["parallelism"] == nil { spec.setMember("parallelism", 1) }
        if spec["backoffLimit"] == nil {
            spec.setMember("backoffLimit", spec["backoffLimitPerIndex"] == nil ? 6 : .integer(Int64(Int32.max)))
        }
        if spec["completionMode"] == nil { spec.setMember("completionMode", "NonIndexed") }
        if spec["suspend"] == nil { spec.setMember("suspend", false) }
        if spec["podReplacementPolicy"] == nil {
            spec.setMember("podReplacementPolicy", spec["podFailurePolicy"] == nil ? "TerminatingOrFailed" : "Failed")
        }
        if spec["manualSelector"]?.boolValue != true, let uid = object[path: ["metadata", "uid"]]?.stringValue {
            let name = object[path: ["metadata", "name"]]?.stringValue ?? ""
            var labels = ObjectMeta(json: spec[path: ["template", "metadata"]] ?? .emptyObject).labels
            labels["batch.kubernetes.io/controller-uid"] = uid
            labels["batch.kubernetes.io/job-name"] = name
            labels["controller-uid"] = uid
            labels["job-name"] = name
            spec[path: ["template", "metadata", "labels"]] = .sortedStringMap(labels)
            if spec["selector"] == nil {
                spec.setMember("selector", ["matchLabels": .sortedStringMap(["batch.kubernetes.io/controller-uid": uid])])
            }
        }
        object.setMember("spec", spec)
        let templateLabels = spec[path: ["template", "metadata", "labels"]]
        if (object[path: ["metadata", "labels"]]?.members ?? []).isEmpty, let templateLabels {
            object[path: ["metadata", "labels"]] = templateLabels
        }
    }

    /// The defaults that apply again on every update: the apiserver defaults each object it
    /// decodes, so a PUT or merge patch that drops a defaulted field (a container list
    /// replaced whole) gets it back. Only the workload kinds here: their controllers compare
    /// pod templates, and a template that lost its defaults would look like a new revision.
    static func applyOnUpdate(to object: inout JSONValue, type: ResourceType) {
        switch type {
        case .namespaces: namespace(&object)
        case .deployments: deployment(&object)
        case .replicaSets: replicaSet(&object)
        default: break
        }
    }

    /// `SetDefaults_Namespace`: the immutable label `kubernetes.io/metadata.name` set to the
    /// namespace's name on every write, which namespace selectors (NetworkPolicies, Kueue's
    /// ClusterQueues) rely on.
    static func namespace(_ object: inout JSONValue) {
        guard let name = object[path: ["metadata", "name"]]?.stringValue else { return }
        object[path: ["metadata", "labels", "kubernetes.io/metadata.name"]] = .string(name)
    }

    /// `SetDefaults_Deployment`: one replica, a RollingUpdate of 25 % surge and 25 %
    /// unavailable, ten old ReplicaSets kept, a 600 s progress deadline; the template's pod
    /// spec defaulted as a pod's is.
    static func deployment(_ object: inout JSONValue) {
        var spec = object["spec"] ?? .emptyObject
        if spec["replicas"] == nil { spec.setMember("replicas", 1) }
        var strategy = spec["strategy"] ?? .emptyObject
        if strategy["type"] == nil { strategy.setMember("type", "RollingUpdate") }
        if strategy["type"]?.stringValue == "RollingUpdate" {
            var rolling = strategy["rollingUpdate"] ?? .emptyObject
            if rolling["maxUnavailable"] == nil { rolling.setMember("maxUnavailable", "25%") }
            if rolling["maxSurge"] == nil { rolling.setMember("maxSurge", "25%") }
            strategy.setMember("rollingUpdate", rolling)
        }
        spec.setMember("strategy", strategy)
        if spec["revisionHistoryLimit"] == nil { spec.setMember("revisionHistoryLimit", 10) }
        if spec["progressDeadlineSeconds"] == nil { spec.setMember("progressDeadlineSeconds", 600) }
        template(&spec)
        object.setMember("spec", spec)
    }

    /// `SetDefaults_ReplicaSet`: one replica; the template's pod spec defaulted.
    static func replicaSet(_ object: inout JSONValue) {
        var spec = object["spec"] ?? .emptyObject
        if spec["replicas"] == nil { spec.setMember("replicas", 1) }
        template(&spec)
        object.setMember("spec", spec)
    }

    /// A workload's `template.spec`, defaulted as `SetDefaults_PodSpec` does (not what only
    /// pods get: the service account and service links).
    static func template(_ spec: inout JSONValue) {
        guard var podSpec = spec[path: ["template", "spec"]] else { return }
        podSpecDefaults(&podSpec)
        spec[path: ["template", "spec"]] = podSpec
    }

    /// `forPod` adds what only pods get: the ServiceAccount admission's `default` account and
    /// `SetDefaults_Pod`'s service links.
    static func podSpecDefaults(_ spec: inout JSONValue, forPod: Bool = false) {
        var defaults: [(String, JSONValue)] = [
            ("restartPolicy", "Always"), ("terminationGracePeriodSeconds", 30), ("dnsPolicy", "ClusterFirst"),
        ]
        if forPod { defaults.append(("serviceAccountName", "default")) }
        defaults.append(("schedulerName", "default-scheduler"))
        if forPod { defaults.append(("enableServiceLinks", true)) }
        for (key, value) in defaults where spec[key] == nil { spec.setMember(key, value) }
        if spec["securityContext"] == nil { spec.setMember("securityContext", .emptyObject) }
        for list in ["initContainers", "containers"] {
            guard let containers = spec[list]?.arrayValue else { continue }
            spec.setMember(list, .array(containers.map(container)))
        }
    }

    /// `SetDefaults_PodSpec`/`SetDefaults_Container` (the fields clients look at), the
    /// ServiceAccount admission's `default` account, and `PrepareForCreate`'s Pending phase
    /// and QoS class.
    static func pod(_ object: inout JSONValue) {
        var spec = object["spec"] ?? .emptyObject
        podSpecDefaults(&spec, forPod: true)
        object.setMember("spec", spec)
        if object[path: ["status", "phase"]] == nil { object[path: ["status", "phase"]] = "Pending" }
        if object[path: ["status", "qosClass"]] == nil {
            object[path: ["status", "qosClass"]] = .string(qosClass(PodSpec(json: spec)))
        }
    }

    static func container(_ value: JSONValue) -> JSONValue {
        var container = value
        if container["imagePullPolicy"] == nil {
            let image = container["image"]?.stringValue ?? ""
            let last = image.split(separator: "/").last.map(String.init) ?? image
            let tagged = last.contains(":") && !last.hasSuffix(":latest")
            container.setMember("imagePullPolicy", .string(tagged || image.contains("@") ? "IfNotPresent" : "Always"))
        }
        if container["terminationMessagePath"] == nil {
            container.setMember("terminationMessagePath", "/dev/termination-log")
        }
        if container["terminationMessagePolicy"] == nil { container.setMember("terminationMessagePolicy", "File") }
        return container
    }

    /// `Guaranteed` when every container limits cpu and memory with requests equal to
    /// limits, `BestEffort` when none requests or limits anything, else `Burstable`.
    static func qosClass(_ spec: PodSpec) -> String {
        let containers = spec.containers + spec.initContainers
        var any = false
        var guaranteed = !containers.isEmpty
        for container in containers {
            let resources = container.resources
            if !resources.requests.isEmpty || !resources.limits.isEmpty { any = true }
            for name in ["cpu", "memory"] {
                guard let limit = resources.limits[name] else {
                    guaranteed = false
                    continue
                }
                if let request = resources.requests[name], request != limit { guaranteed = false }
            }
        }
        if !any { return "BestEffort" }
        return guaranteed ? "Guaranteed" : "Burstable"
    }
}
