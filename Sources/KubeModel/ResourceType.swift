import Foundation

/// What a kind is on the REST API: group, version, plural resource, scope, and its paths.
public struct ResourceType: Sendable, Hashable, CustomStringConvertible {
    /// `""` for the core group.
    public var group: String
    public var version: String
    public var kind: String
    /// The plural resource name used in paths and RBAC: `jobs`.
    public var plural: String
    public var singular: String
    public var shortNames: [String]
    public var namespaced: Bool
    /// Subresources the API serves for this type (`status`, `log`, …).
    public var subresources: [String]
    /// Verbs the API serves (`create`, `get`, `list`, `watch`, `update`, `patch`, `delete`,
    /// `deletecollection`).
    public var verbs: [String]

    public init(group: String, version: String, kind: String, plural: String, singular: String? = nil,
        shortNames: [String] = [], namespaced: Bool, subresources: [String] = [],
        verbs: [String] = ResourceType.allVerbs)
    {
        self.group = group
        self.version = version
        self.kind = kind
        self.plural = plural
        self.singular = singular ?? kind.lowercased()
        self.shortNames = shortNames
        self.namespaced = namespaced
        self.subresources = subresources
        self.verbs = verbs
    }

    public static let allVerbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]

    /// `v1`, `batch/v1`.
    public var apiVersion: String { group.isEmpty ? version : "\(group)/\(version)" }

    /// `jobs.batch`, `pods`: how the apiserver names the resource in messages.
    public var qualifiedResource: String { group.isEmpty ? plural : "\(plural).\(group)" }

    /// `Job.batch`, `Pod`: how the apiserver names the kind in "is invalid" messages.
    public var qualifiedKind: String { group.isEmpty ? kind : "\(kind).\(group)" }

    /// `/api/v1` or `/apis/batch/v1`.
    public var groupVersionPath: String { group.isEmpty ? "/api/\(version)" : "/apis/\(group)/\(version)" }

    public var description: String { qualifiedResource }

    /// The REST path of a collection or one object, with an optional subresource.
    ///
    /// `namespace` is ignored for cluster-scoped types; a namespaced type without one gives
    /// the all-namespaces collection (`/api/v1/pods`). Segments are percent-encoded.
    public func path(namespace: String? = nil, name: String? = nil, subresource: String? = nil) -> String {
        var path = groupVersionPath
        if namespaced, let namespace {
            path += "/namespaces/" + Self.escape(namespace)
        }
        path += "/" + plural
        if let name {
            path += "/" + Self.escape(name)
            if let subresource { path += "/" + Self.escape(subresource) }
        }
        return path
    }

    /// `path` followed by `?query` when the options have any.
    public func path(namespace: String? = nil, name: String? = nil, subresource: String? = nil,
        query: some QueryOptions) -> String
    {
        let base = path(namespace: namespace, name: name, subresource: subresource)
        let text = query.queryString
        return text.isEmpty ? base : base + "?" + text
    }

    static func escape(_ segment: String) -> String {
        Query.percentEncode(segment)
    }
}

// MARK: - Registry

extension ResourceType {
    public static let namespaces = ResourceType(group: "", version: "v1", kind: "Namespace", plural: "namespaces",
        shortNames: ["ns"], namespaced: false, subresources: ["status", "finalize"])
    public static let pods = ResourceType(group: "", version: "v1", kind: "Pod", plural: "pods",
        shortNames: ["po"], namespaced: true,
        subresources: ["status", "log", "exec", "attach", "portforward", "eviction", "binding", "ephemeralcontainers"])
    public static let persistentVolumeClaims = ResourceType(group: "", version: "v1", kind: "PersistentVolumeClaim",
        plural: "persistentvolumeclaims", shortNames: ["pvc"], namespaced: true, subresources: ["status"])
    public static let persistentVolumes = ResourceType(group: "", version: "v1", kind: "PersistentVolume",
        plural: "persistentvolumes", shortNames: ["pv"], namespaced: false, subresources: ["status"])
    public static let events = ResourceType(group: "", version: "v1", kind: "Event", plural: "events",
        shortNames: ["ev"], namespaced: true)
    public static let secrets = ResourceType(group: "", version: "v1", kind: "Secret", plural: "secrets",
        namespaced: true)
    public static let configMaps = ResourceType(group: "", version: "v1", kind: "ConfigMap", plural: "configmaps",
        shortNames: ["cm"], namespaced: true)
    public static let services = ResourceType(group: "", version: "v1", kind: "Service", plural: "services",
        shortNames: ["svc"], namespaced: true, subresources: ["status", "proxy"],
        verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"])
    public static let serviceAccounts = ResourceType(group: "", version: "v1", kind: "ServiceAccount",
        plural: "serviceaccounts", shortNames: ["sa"], namespaced: true, subresources: ["token"])
    public static let jobs = ResourceType(group: "batch", version: "v1", kind: "Job", plural: "jobs",
        namespaced: true, subresources: ["status"])
    public static let deployments = ResourceType(group: "apps", version: "v1", kind: "Deployment",
        plural: "deployments", shortNames: ["deploy"], namespaced: true, subresources: ["status", "scale"])
    public static let replicaSets = ResourceType(group: "apps", version: "v1", kind: "ReplicaSet",
        plural: "replicasets", shortNames: ["rs"], namespaced: true, subresources: ["status", "scale"])
    public static let roles = ResourceType(group: "rbac.authorization.k8s.io", version: "v1", kind: "Role",
        plural: "roles", namespaced: true)
    public static let roleBindings = ResourceType(group: "rbac.authorization.k8s.io", version: "v1",
        kind: "RoleBinding", plural: "rolebindings", namespaced: true)
    public static let networkPolicies = ResourceType(group: "networking.k8s.io", version: "v1",
        kind: "NetworkPolicy", plural: "networkpolicies", shortNames: ["netpol"], namespaced: true)
    public static let storageClasses = ResourceType(group: "storage.k8s.io", version: "v1", kind: "StorageClass",
        plural: "storageclasses", shortNames: ["sc"], namespaced: false)
    public static let eventsV1 = ResourceType(group: "events.k8s.io", version: "v1", kind: "Event",
        plural: "events", shortNames: ["ev"], namespaced: true)
    /// Leader election's claims; Flightdeck's admitter holds one (see `Lease`).
    public static let leases = ResourceType(group: "coordination.k8s.io", version: "v1", kind: "Lease",
        plural: "leases", namespaced: true)
    public static let selfSubjectAccessReviews = ResourceType(group: "authorization.k8s.io", version: "v1",
        kind: "SelfSubjectAccessReview", plural: "selfsubjectaccessreviews", namespaced: false,
        verbs: ["create"])

    public static let selfSubjectReviews = ResourceType(group: "authentication.k8s.io", version: "v1",
        kind: "SelfSubjectReview", plural: "selfsubjectreviews", namespaced: false, verbs: ["create"])

    // MARK: Kueue (kueue.x-k8s.io/v1beta1): custom resources, served only where Kueue is installed

    public static let clusterQueues = ResourceType(group: "kueue.x-k8s.io", version: "v1beta1", kind: "ClusterQueue",
        plural: "clusterqueues", shortNames: ["cq"], namespaced: false, subresources: ["status"])
    public static let localQueues = ResourceType(group: "kueue.x-k8s.io", version: "v1beta1", kind: "LocalQueue",
        plural: "localqueues", shortNames: ["queue", "queues", "lq"], namespaced: true, subresources: ["status"])
    public static let resourceFlavors = ResourceType(group: "kueue.x-k8s.io", version: "v1beta1", kind: "ResourceFlavor",
        plural: "resourceflavors", shortNames: ["flavor", "flavors", "rf"], namespaced: false)
    public static let workloads = ResourceType(group: "kueue.x-k8s.io", version: "v1beta1", kind: "Workload",
        plural: "workloads", shortNames: ["wl"], namespaced: true, subresources: ["status"])
    public static let workloadPriorityClasses = ResourceType(group: "kueue.x-k8s.io", version: "v1beta1",
        kind: "WorkloadPriorityClass", plural: "workloadpriorityclasses", namespaced: false)

    /// Kueue's types, which a cluster has only when Kueue is installed (not in `all`).
    public static let kueue: [ResourceType] = [
        .clusterQueues, .localQueues, .resourceFlavors, .workloads, .workloadPriorityClasses,
    ]

    /// Every registered type.
    public static let all: [ResourceType] = [
        .namespaces, .pods, .persistentVolumeClaims, .persistentVolumes, .events, .secrets, .configMaps,
        .services, .serviceAccounts, .jobs, .deployments, .replicaSets, .roles, .roleBindings, .networkPolicies,
        .storageClasses, .eventsV1, .leases, .selfSubjectAccessReviews, .selfSubjectReviews,
    ]

    /// The type served at `group`/`version` as `plural`, among `served` (a cluster with Kueue
    /// serves `all + kueue`).
    public static func forResource(_ plural: String, group: String, version: String,
        served: [ResourceType] = ResourceType.all) -> ResourceType?
    {
        served.first { $0.plural == plural && $0.group == group && $0.version == version }
    }

    /// The type of `kind` in `apiVersion` (`batch/v1`), Kueue's included.
    public static func forKind(_ kind: String, apiVersion: String) -> ResourceType? {
        (all + kueue).first { $0.kind == kind && $0.apiVersion == apiVersion }
    }

    /// What `kubectl get NAME` accepts: plural, singular, short name or kind, any case,
    /// optionally qualified by group (`jobs.batch`). Core types win over other groups for
    /// an unqualified name (`events` is v1 Event).
    public static func lookup(_ name: String, served: [ResourceType] = ResourceType.all) -> ResourceType? {
        let all = served
        let lowered = name.lowercased()
        func matches(_ type: ResourceType, _ word: Substring) -> Bool {
            word == type.plural || word == type.singular || type.shortNames.contains(String(word))
                || word == type.kind.lowercased()
        }
        if let type = all.first(where: { matches($0, Substring(lowered)) }) { return type }
        if let dot = lowered.firstIndex(of: ".") {
            let word = lowered[..<dot]
            let group = lowered[lowered.index(after: dot)...]
            return all.first { $0.group == group && matches($0, word) }
        }
        return nil
    }
}

// MARK: - Parsing request paths

/// A request path, parsed: the server side of `ResourceType.path(...)`.
public struct APIPath: Sendable, Hashable {
    public var type: ResourceType
    /// The namespace segment, for namespaced types (absent: across all namespaces).
    public var namespace: String?
    public var name: String?
    public var subresource: String?

    public init(type: ResourceType, namespace: String? = nil, name: String? = nil, subresource: String? = nil) {
        self.type = type
        self.namespace = namespace
        self.name = name
        self.subresource = subresource
    }

    /// The path this describes.
    public var path: String { type.path(namespace: namespace, name: name, subresource: subresource) }

    /// Why a path did not parse; the caller decides the response (the apiserver answers 404
    /// `the server could not find the requested resource` for all of these).
    public enum Failure: Error, Sendable, Hashable {
        /// Not under `/api/v1` or `/apis/{group}/{version}`, or a malformed shape.
        case notAResourcePath
        /// A well-formed path naming a group/version/resource not in the registry.
        case unknownResource(group: String, version: String, resource: String)
        /// A subresource the type does not serve (`/jobs/x/log`).
        case unknownSubresource(ResourceType, String)
        /// A namespace segment on a cluster-scoped type, or a subresource without a name.
        case invalidScope(ResourceType)
    }

    /// Parses `/api/v1/namespaces/{ns}/pods/{name}/log` and friends. A query string
    /// (`?watch=true`) is ignored; segments are percent-decoded; a trailing slash is
    /// tolerated.
    ///
    /// `/api/v1/namespaces/{name}` is the Namespace `name`; `/api/v1/namespaces/{ns}/{plural}`
    /// is a namespaced collection.
    /// `served`: the types the server has (`ResourceType.all`, plus `ResourceType.kueue` where
    /// Kueue is installed); any other resource is `unknownResource`.
    public static func parse(_ rawPath: String, served: [ResourceType] = ResourceType.all) -> Result<APIPath, Failure> {
        let pathOnly = rawPath.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        var segments = pathOnly.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard segments.first == "" else { return .failure(.notAResourcePath) }
        segments.removeFirst()
        if segments.last == "" { segments.removeLast() }
        guard !segments.contains(""),
            let decoded = Optional(segments.map { Query.percentDecode($0, plusAsSpace: false) }),
            !decoded.contains(where: { $0 == nil })
        else { return .failure(.notAResourcePath) }
        var rest = decoded.map { $0! }

        let group: String
        let version: String
        if rest.first == "api", rest.count >= 2 {
            group = ""
            version = rest[1]
            rest.removeFirst(2)
        } else if rest.first == "apis", rest.count >= 3 {
            group = rest[1]
            version = rest[2]
            rest.removeFirst(3)
        } else {
            return .failure(.notAResourcePath)
        }
        guard !rest.isEmpty else { return .failure(.notAResourcePath) }

        var namespace: String?
        // `/namespaces/{name}/{sub}` is a Namespace subresource unless `{sub}` is a resource.
        let isNamespaceSubresource = group.isEmpty && rest[0] == "namespaces" && rest.count == 3
            && ResourceType.forResource(rest[2], group: group, version: version, served: served) == nil
            && ResourceType.namespaces.subresources.contains(rest[2])
        if rest[0] == "namespaces", rest.count >= 3, !isNamespaceSubresource {
            namespace = rest[1]
            rest.removeFirst(2)
        }
        let plural = rest[0]
        guard let type = ResourceType.forResource(plural, group: group, version: version, served: served) else {
            return .failure(.unknownResource(group: group, version: version, resource: plural))
        }
        if namespace != nil, !type.namespaced { return .failure(.invalidScope(type)) }
        let name = rest.count >= 2 ? rest[1] : nil
        let subresource = rest.count >= 3 ? rest[2] : nil
        guard rest.count <= 3 else { return .failure(.notAResourcePath) }
        if let subresource, !type.subresources.contains(subresource) {
            return .failure(.unknownSubresource(type, subresource))
        }
        return .success(APIPath(type: type, namespace: namespace, name: name, subresource: subresource))
    }
}
