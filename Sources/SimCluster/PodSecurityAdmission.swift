import FlightdeckCore
import KubeModel

/// The PodSecurity admission plugin: enforces the namespace's
/// `pod-security.kubernetes.io/enforce` level on Pods, and warns per its `warn` level on
/// Pods and on workload objects (Jobs, Deployments) whose pod template would violate it.
///
/// Why workloads are never rejected: upstream enforces on the Pods a controller creates,
/// not on the controller object, so a violating Job is admitted and its pods then fail to
/// be created (the Job controller records `FailedCreate` with this plugin's message). The
/// `audit` level only annotates the audit log upstream; there is no audit log here.
public struct PodSecurityAdmission: AdmissionPlugin {
    public let name = "PodSecurity"

    public static let enforceLabel = "pod-security.kubernetes.io/enforce"
    public static let enforceVersionLabel = "pod-security.kubernetes.io/enforce-version"
    public static let warnLabel = "pod-security.kubernetes.io/warn"
    public static let warnVersionLabel = "pod-security.kubernetes.io/warn-version"

    public init() {}

    /// A level and the version it is evaluated at, written `restricted:latest` in messages.
    struct LevelVersion {
        var level: PodSecurityEvaluator.Level
        var version: String
        var text: String { "\(level.rawValue):\(version)" }
    }

    public func admit(_ request: inout AdmissionRequest, store: APIStore) throws(Status) -> [String] {
        guard request.subresource == nil, let namespace = request.namespace else { return [] }
        let isPod = request.type == .pods
        let templatePath = Self.templatePath(request.type)
        guard isPod || templatePath != nil else { return [] }
        guard let namespaceObject = try? store.get(type: .namespaces, name: namespace) else { return [] }
        let labels = ObjectMeta(json: namespaceObject["metadata"] ?? .emptyObject).labels
        // Invalid levels fail closed for enforce and open for warn, as upstream.
        let enforce = LevelVersion(level: Self.level(labels[Self.enforceLabel], invalid: .restricted),
            version: labels[Self.enforceVersionLabel] ?? "latest")
        let warn = LevelVersion(level: Self.level(labels[Self.warnLabel], invalid: .privileged),
            version: labels[Self.warnVersionLabel] ?? "latest")

        let metadata: JSONValue
        let spec: JSONValue
        if isPod {
            if request.operation == .update, let old = request.oldObject, !Self.isSignificantPodUpdate(request.object, old) {
                return []
            }
            metadata = request.object["metadata"] ?? .emptyObject
            spec = request.object["spec"] ?? .emptyObject
        } else {
            guard let templatePath, let template = request.object[path: templatePath] else { return [] }
            metadata = template["metadata"] ?? .emptyObject
            spec = template["spec"] ?? .emptyObject
        }

        if isPod {
            let violations = PodSecurityEvaluator.evaluate(level: enforce.level, podMetadata: metadata, podSpec: spec)
            if !violations.isEmpty {
                throw Status.podSecurityForbidden(.pods, name: request.name, level: enforce.text,
                    violations: violations)
            }
        }
        let violations = PodSecurityEvaluator.evaluate(level: warn.level, podMetadata: metadata, podSpec: spec)
        guard !violations.isEmpty else { return [] }
        let list = violations.map { "\($0.reason) (\($0.detail))" }.joined(separator: ", ")
        return ["would violate PodSecurity \"\(warn.text)\": \(list)"]
    }

    static func level(_ label: String?, invalid: PodSecurityEvaluator.Level) -> PodSecurityEvaluator.Level {
        guard let label else { return .privileged }
        return PodSecurityEvaluator.Level(rawValue: label) ?? invalid
    }

    /// Where a workload keeps its pod template (`nil`: not a pod controller).
    static func templatePath(_ type: ResourceType) -> [String]? {
        switch (type.group, type.kind) {
        case ("batch", "Job"), ("apps", "Deployment"), ("apps", "ReplicaSet"), ("apps", "StatefulSet"),
            ("apps", "DaemonSet"), ("", "ReplicationController"), ("", "PodTemplate"):
            return type.kind == "PodTemplate" ? ["template"] : ["spec", "template"]
        case ("batch", "CronJob"):
            return ["spec", "jobTemplate", "spec", "template"]
        default:
            return nil
        }
    }

    /// Upstream re-evaluates a pod update only when it changes what the checks read;
    /// binding a pod to a node or a new image must not be refused by a namespace whose
    /// labels changed after the pod was admitted.
    static func isSignificantPodUpdate(_ new: JSONValue, _ old: JSONValue) -> Bool {
        func normalized(_ pod: JSONValue) -> JSONValue {
            var spec = pod["spec"] ?? .emptyObject
            spec.setMember("nodeName", nil)
            for list in ["initContainers", "containers", "ephemeralContainers"] {
                guard let containers = spec[list]?.arrayValue else { continue }
                spec.setMember(list, .array(containers.map { container in
                    var copy = container
                    copy.setMember("image", nil)
                    return copy
                }))
            }
            return spec
        }
        let annotations = { (pod: JSONValue) -> [String: String] in
            ObjectMeta(json: pod["metadata"] ?? .emptyObject).annotations.filter {
                $0.key.hasPrefix("container.apparmor.security.beta.kubernetes.io/")
                    || $0.key.hasPrefix("seccomp.security.alpha.kubernetes.io/")
            }
        }
        return !StoreState.sameContent(normalized(new), normalized(old)) || annotations(new) != annotations(old)
    }
}
