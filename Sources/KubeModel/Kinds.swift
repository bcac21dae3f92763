import FlightdeckCore
import Foundation

// The remaining kinds the product reads or writes. Fields not named here are still kept:
// use `json` (or `spec` where given as JSON) for them.

/// `v1/Namespace`.
public struct Namespace: KubeObject {
    public static let resourceType = ResourceType.namespaces
    public var json: JSONValue
    public init(json: JSONValue) { self.json = json }

    /// `Active` or `Terminating`.
    public var phase: String? {
        get { json[path: ["status", "phase"]]?.stringValue }
        set { json[path: ["status", "phase"]] = newValue.map(JSONValue.string) }
    }
}

// MARK: - Storage

/// `v1/PersistentVolumeClaim`: an agent's workspace.
public struct PersistentVolumeClaim: KubeObject {
    public static let resourceType = ResourceType.persistentVolumeClaims
    public var json: JSONValue
    public init(json: JSONValue) { self.json = json }

    public var spec: Spec {
        get { self[view: "spec"] }
        set { self[view: "spec"] = newValue }
    }
    /// `Pending`, `Bound`, `Lost`.
    public var phase: String? {
        get { json[path: ["status", "phase"]]?.stringValue }
        set { json[path: ["status", "phase"]] = newValue.map(JSONValue.string) }
    }
    /// `status.capacity.storage`.
    public var capacity: Quantity? {
        json[path: ["status", "capacity", "storage"]].flatMap(Quantity.init(jsonValue:))
    }

    public struct Spec: JSONView {
        public var json: JSONValue
        public init(json: JSONValue) { self.json = json }

        public var storageClassName: String? {
            get { self[field: "storageClassName"] }
            set { self[field: "storageClassName"] = newValue }
        }
        /// `ReadWriteOnce`, `ReadOnlyMany`, `ReadWriteMany`, `ReadWriteOncePod`.
        public var accessModes: [String] {
            get { self[list: "accessModes"] }
            set { self[list: "accessModes"] = newValue }
        }
        /// `resources.requests.storage`.
        public var storageRequest: Quantity? {
            get { json[path: ["resources", "requests", "storage"]].flatMap(Quantity.init(jsonValue:)) }
            set { json[path: ["resources", "requests", "storage"]] = newValue?.jsonValue }
        }
        public var volumeName: String? {
            get { self[field: "volumeName"] }
            set { self[field: "volumeName"] = newValue }
        }
        public var volumeMode: String? {
            get { self[field: "volumeMode"] }
            set { self[field: "volumeMode"] = newValue }
        }
    }
}

/// `v1/PersistentVolume` (cluster-scoped), e.g. one provisioned by `rancher.io/local-path`.
public struct PersistentVolume: KubeObject {
    public static let resourceType = ResourceType.persistentVolumes
    public var json: JSONValue
    public init(json: JSONValue) { self.json = json }

    public var spec: Spec {
        get { self[view: "spec"] }
        set { self[view: "spec"] = newValue }
    }
    /// `Pending`, `Available`, `Bound`, `Released`, `Failed`.
    public var phase: String? {
        get { json[path: ["status", "phase"]]?.stringValue }
        set { json[path: ["status", "phase"]] = newValue.map(JSONValue.string) }
    }

    public struct Spec: JSONView {
        public var json: JSONValue
        public init(json: JSONValue) { self.json = json }

        /// `hostPath.path`.
        public var hostPath: String? {
            get { json[path: ["hostPath", "path"]]?.stringValue }
            set { json[path: ["hostPath", "path"]] = newValue.map(JSONValue.string) }
        }
        /// `local.path`.
        public var localPath: String? {
            get { json[path: ["local", "path"]]?.stringValue }
            set { json[path: ["local", "path"]] = newValue.map(JSONValue.string) }
        }
        /// The host directory, whichever of `hostPath`/`local` is used.
        public var path: String? { hostPath ?? localPath }

        /// Node names from `nodeAffinity.required.nodeSelectorTerms[*].matchExpressions`
        /// with `key: kubernetes.io/hostname, operator: In` (what local-path writes).
        public var requiredNodeNames: [String] {
            guard let terms = json[path: ["nodeAffinity", "required", "nodeSelectorTerms"]]?.arrayValue
            else { return [] }
            var names: [String] = []
            for term in terms {
                for expression in term["matchExpressions"]?.arrayValue ?? [] {
                    guard expression["key"]?.stringValue == "kubernetes.io/hostname",
                        expression["operator"]?.stringValue == "In"
                    else { continue }
                    for value in expression["values"]?.arrayValue ?? [] {
                        if let name = value.stringValue, !names.contains(name) { names.append(name) }
                    }
                }
            }
            return names
        }

        /// `claimRef` (kind, namespace, name, uid, …).
        public var claimRef: ObjectReference? {
            get { self[field: "claimRef"] }
            set { self[field: "claimRef"] = newValue }
        }
        public var storageClassName: String? {
            get { self[field: "storageClassName"] }
            set { self[field: "storageClassName"] = newValue }
        }
        /// `capacity.storage`.
        public var capacity: Quantity? {
            get { json[path: ["capacity", "storage"]].flatMap(Quantity.init(jsonValue:)) }
            set { json[path: ["capacity", "storage"]] = newValue?.jsonValue }
        }
        public var accessModes: [String] {
            get { self[list: "accessModes"] }
            set { self[list: "accessModes"] = newValue }
        }
        /// `Retain`, `Delete`, `Recycle`.
        public var persistentVolumeReclaimPolicy: String? {
            get { self[field: "persistentVolumeReclaimPolicy"] }
            set { self[field: "persistentVolumeReclaimPolicy"] = newValue }
        }
    }
}

/// `storage.k8s.io/v1/StorageClass` (cluster-scoped; fields at top level, no `spec`).
public struct StorageClass: KubeObject {
    public static let resourceType = ResourceType.storageClasses
    public var json: JSONValue
    public init(json: JSONValue) { self.json = json }

    public var provisioner: String? {
        get { self[field: "provisioner"] }
        set { self[field: "provisioner"] = newValue }
    }
    /// `Immediate` or `WaitForFirstConsumer`.
    public var volumeBindingMode: String? {
        get { self[field: "volumeBindingMode"] }
        set { self[field: "volumeBindingMode"] = newValue }
    }
    public var reclaimPolicy: String? {
        get { self[field: "reclaimPolicy"] }
        set { self[field: "reclaimPolicy"] = newValue }
    }
    /// `storageclass.kubernetes.io/is-default-class: "true"`.
    public var isDefault: Bool { metadata.annotations["storageclass.kubernetes.io/is-default-class"] == "true" }
}

/// `v1/ObjectReference`: `claimRef`, `involvedObject`, `regarding`.
public struct ObjectReference: JSONView {
    public var json: JSONValue
    public init(json: JSONValue) { self.json = json }

    public var apiVersion: String? {
        get { self[field: "apiVersion"] }
        set { self[field: "apiVersion"] = newValue }
    }
    public var kind: String? {
        get { self[field: "kind"] }
        set { self[field: "kind"] = newValue }
    }
    public var namespace: String? {
        get { self[field: "namespace"] }
        set { self[field: "namespace"] = newValue }
    }
    public var name: String? {
        get { self[field: "name"] }
        set { self[field: "name"] = newValue }
    }
    public var uid: String? {
        get { self[field: "uid"] }
        set { self[field: "uid"] = newValue }
    }
    public var resourceVersion: String? {
        get { self[field: "resourceVersion"] }
        set { self[field: "resourceVersion"] = newValue }
    }
    public var fieldPath: String? {
        get { self[field: "fieldPath"] }
        set { self[field: "fieldPath"] = newValue }
    }
}

// MARK: - Config

/// `v1/Secret`. `data` values are base64 on the wire and bytes here.
public struct Secret: KubeObject {
    public static let resourceType = ResourceType.secrets
    public var json: JSONValue
    public init(json: JSONValue) { self.json = json }

    /// `Opaque`, `kubernetes.io/dockerconfigjson`, …
    public var type: String? {
        get { self[field: "type"] }
        set { self[field: "type"] = newValue }
    }
    /// Decoded `data`; entries that are not valid base64 are left out.
    public var data: [String: [UInt8]] {
        get {
            var result: [String: [UInt8]] = [:]
            for (key, value) in self[stringMap: "data"] {
                if let bytes = Data(base64Encoded: value) { result[key] = [UInt8](bytes) }
            }
            return result
        }
        set {
            if newValue == data, json["data"]?.members?.count == newValue.count { return }
            self[stringMap: "data"] = newValue.mapValues { Data($0).base64EncodedString() }
        }
    }
    /// One decoded `data` entry as UTF-8 text.
    public func string(forKey key: String) -> String? {
        data[key].map { String(decoding: $0, as: UTF8.self) }
    }
    /// Write-only on the server (merged into `data`), but accepted in requests.
    public var stringData: [String: String] {
        get { self[stringMap: "stringData"] }
        set { self[stringMap: "stringData"] = newValue }
    }
    public var immutable: Bool? {
        get { self[field: "immutable"] }
        set { self[field: "immutable"] = newValue }
    }
}

/// `v1/ConfigMap`.
public struct ConfigMap: KubeObject {
    public static let resourceType = ResourceType.configMaps
    public var json: JSONValue
    public init(json: JSONValue) { self.json = json }

    public var data: [String: String] {
        get { self[stringMap: "data"] }
        set { self[stringMap: "data"] = newValue }
    }
}

// MARK: - Workloads and networking (metadata + spec)

/// `v1/Service`.
public struct Service: KubeObject {
    public static let resourceType = ResourceType.services
    public var json: JSONValue
    public init(json: JSONValue) { self.json = json }

    public var spec: JSONValue? {
        get { json["spec"] }
        set { json.setMember("spec", newValue) }
    }
    /// `spec.type`: `ClusterIP`, `NodePort`, `LoadBalancer`, `ExternalName`.
    public var type: String? {
        get { json[path: ["spec", "type"]]?.stringValue }
        set { json[path: ["spec", "type"]] = newValue.map(JSONValue.string) }
    }
    public var clusterIP: String? {
        get { json[path: ["spec", "clusterIP"]]?.stringValue }
        set { json[path: ["spec", "clusterIP"]] = newValue.map(JSONValue.string) }
    }
    public var selector: [String: String] {
        get { Self.stringMap(json[path: ["spec", "selector"]]) }
        set { json[path: ["spec", "selector"]] = .sortedStringMap(newValue) }
    }
    /// `spec.ports[*].port`.
    public var ports: [Int] {
        json[path: ["spec", "ports"]]?.arrayValue?.compactMap { $0["port"].flatMap(Int.init(jsonValue:)) } ?? []
    }
}

/// `v1/ServiceAccount`.
public struct ServiceAccount: KubeObject {
    public static let resourceType = ResourceType.serviceAccounts
    public var json: JSONValue
    public init(json: JSONValue) { self.json = json }

    public var automountServiceAccountToken: Bool? {
        get { self[field: "automountServiceAccountToken"] }
        set { self[field: "automountServiceAccountToken"] = newValue }
    }
}

/// `networking.k8s.io/v1/NetworkPolicy`.
public struct NetworkPolicy: KubeObject {
    public static let resourceType = ResourceType.networkPolicies
    public var json: JSONValue
    public init(json: JSONValue) { self.json = json }

    public var spec: JSONValue? {
        get { json["spec"] }
        set { json.setMember("spec", newValue) }
    }
    /// `spec.podSelector`.
    public var podSelector: LabelSelectorSpec {
        get { json[path: ["spec", "podSelector"]].map(LabelSelectorSpec.init(json:)) ?? LabelSelectorSpec() }
        set { json[path: ["spec", "podSelector"]] = newValue.json }
    }
    /// `spec.policyTypes`: `Ingress`, `Egress`.
    public var policyTypes: [String] {
        get { json[path: ["spec", "policyTypes"]].flatMap { [String](jsonValue: $0) } ?? [] }
        set { json[path: ["spec", "policyTypes"]] = newValue.jsonValue }
    }
}

// MARK: - RBAC

/// One RBAC rule.
public struct PolicyRule: JSONView {
    public var json: JSONValue
    public init(json: JSONValue) { self.json = json }

    public init(apiGroups: [String], resources: [String], verbs: [String], resourceNames: [String] = []) {
        self.init()
        self.apiGroups = apiGroups
        self.resources = resources
        self.verbs = verbs
        self.resourceNames = resourceNames
    }

    public var apiGroups: [String] {
        get { self[list: "apiGroups"] }
        set { self[list: "apiGroups"] = newValue }
    }
    public var resources: [String] {
        get { self[list: "resources"] }
        set { self[list: "resources"] = newValue }
    }
    public var verbs: [String] {
        get { self[list: "verbs"] }
        set { self[list: "verbs"] = newValue }
    }
    public var resourceNames: [String] {
        get { self[list: "resourceNames"] }
        set { self[list: "resourceNames"] = newValue }
    }

    /// Whether this rule allows `verb` on `group`/`resource` (`resource` may carry a
    /// subresource, `pods/log`), with `*` wildcards, as the RBAC authorizer matches.
    public func allows(verb: String, group: String, resource: String, name: String? = nil) -> Bool {
        let matchesGroup = apiGroups.contains("*") || apiGroups.contains(group)
        let matchesVerb = verbs.contains("*") || verbs.contains(verb)
        let parts = resource.split(separator: "/", maxSplits: 1)
        let matchesResource = resources.contains("*") || resources.contains(resource)
            || (parts.count == 2 && resources.contains("*/" + parts[1]))
        let matchesName = resourceNames.isEmpty || (name.map(resourceNames.contains) ?? false)
        return matchesGroup && matchesVerb && matchesResource && matchesName
    }
}

/// `rbac.authorization.k8s.io/v1/Role`.
public struct Role: KubeObject {
    public static let resourceType = ResourceType.roles
    public var json: JSONValue
    public init(json: JSONValue) { self.json = json }

    public var rules: [PolicyRule] {
        get { self[list: "rules"] }
        set { self[list: "rules"] = newValue }
    }
}

/// `rbac.authorization.k8s.io/v1/RoleBinding`.
public struct RoleBinding: KubeObject {
    public static let resourceType = ResourceType.roleBindings
    public var json: JSONValue
    public init(json: JSONValue) { self.json = json }

    /// `roleRef` (`apiGroup`, `kind`, `name`); immutable on the server.
    public var roleRef: Subject {
        get { self[view: "roleRef"] }
        set { self[view: "roleRef"] = newValue }
    }
    public var subjects: [Subject] {
        get { self[list: "subjects"] }
        set { self[list: "subjects"] = newValue }
    }

    /// A subject or role reference: `kind`, `name`, `namespace`, `apiGroup`.
    public struct Subject: JSONView {
        public var json: JSONValue
        public init(json: JSONValue) { self.json = json }

        public init(kind: String, name: String, namespace: String? = nil, apiGroup: String? = nil) {
            self.init()
            self.kind = kind
            self.name = name
            self.namespace = namespace
            self.apiGroup = apiGroup
        }

        public var kind: String? {
            get { self[field: "kind"] }
            set { self[field: "kind"] = newValue }
        }
        public var name: String? {
            get { self[field: "name"] }
            set { self[field: "name"] = newValue }
        }
        public var namespace: String? {
            get { self[field: "namespace"] }
            set { self[field: "namespace"] = newValue }
        }
        public var apiGroup: String? {
            get { self[field: "apiGroup"] }
            set { self[field: "apiGroup"] = newValue }
        }
    }
}

/// `authorization.k8s.io/v1/SelfSubjectAccessReview`: "may I?" (create-only, never stored).
public struct SelfSubjectAccessReview: KubeObject {
    public static let resourceType = ResourceType.selfSubjectAccessReviews
    public var json: JSONValue
    public init(json: JSONValue) { self.json = json }

    /// A review asking whether the caller may `verb` `resource` in `group`.
    public init(verb: String, group: String = "", resource: String, subresource: String? = nil,
        namespace: String? = nil, name: String? = nil)
    {
        self.init(name: nil, namespace: nil)
        var attributes = ResourceAttributes()
        attributes.verb = verb
        attributes.group = group
        attributes.resource = resource
        attributes.subresource = subresource
        attributes.namespace = namespace
        attributes.name = name
        json.setMember("spec", ["resourceAttributes": attributes.json])
    }

    public var resourceAttributes: ResourceAttributes {
        get { json[path: ["spec", "resourceAttributes"]].map(ResourceAttributes.init(json:)) ?? ResourceAttributes() }
        set { json[path: ["spec", "resourceAttributes"]] = newValue.json }
    }
    public var allowed: Bool? {
        get { json[path: ["status", "allowed"]]?.boolValue }
        set { json[path: ["status", "allowed"]] = newValue.map(JSONValue.bool) }
    }
    public var denied: Bool? {
        get { json[path: ["status", "denied"]]?.boolValue }
        set { json[path: ["status", "denied"]] = newValue.map(JSONValue.bool) }
    }
    public var reason: String? {
        get { json[path: ["status", "reason"]]?.stringValue }
        set { json[path: ["status", "reason"]] = newValue.map(JSONValue.string) }
    }
    public var evaluationError: String? {
        get { json[path: ["status", "evaluationError"]]?.stringValue }
        set { json[path: ["status", "evaluationError"]] = newValue.map(JSONValue.string) }
    }

    public struct ResourceAttributes: JSONView {
        public var json: JSONValue
        public init(json: JSONValue) { self.json = json }

        public var namespace: String? {
            get { self[field: "namespace"] }
            set { self[field: "namespace"] = newValue }
        }
        public var verb: String? {
            get { self[field: "verb"] }
            set { self[field: "verb"] = newValue }
        }
        public var group: String? {
            get { self[field: "group"] }
            set { self[field: "group"] = newValue }
        }
        public var version: String? {
            get { self[field: "version"] }
            set { self[field: "version"] = newValue }
        }
        public var resource: String? {
            get { self[field: "resource"] }
            set { self[field: "resource"] = newValue }
        }
        public var subresource: String? {
            get { self[field: "subresource"] }
            set { self[field: "subresource"] = newValue }
        }
        public var name: String? {
            get { self[field: "name"] }
            set { self[field: "name"] = newValue }
        }
    }
}
