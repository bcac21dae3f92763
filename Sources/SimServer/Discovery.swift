import FlightdeckCore
import KubeModel

/// The discovery documents kubectl reads before anything else (`/api`, `/apis`,
/// `/api/v1`, `/apis/{group}/{version}`), built from the resource registry so a type the
/// sim serves is always discoverable and nothing else is.
public enum Discovery {
    /// The Kubernetes version the sim reports (`/version`): the k3s it stands in for.
    public static let gitVersion = "v1.31.4+k3s1"

    public static var version: JSONValue {
        [
            "major": "1", "minor": "31", "gitVersion": .string(gitVersion),
            "gitCommit": "a8d8b93c1f2bd3b2c8e37b4d0c0e93d4c29f3e5a", "gitTreeState": "clean",
            "buildDate": "2024-12-11T00:00:00Z", "goVersion": "go1.22.9", "compiler": "gc",
            "platform": "linux/amd64",
        ]
    }

    /// `/api`: the core group's versions.
    public static func coreVersions(serverAddress: String) -> JSONValue {
        [
            "kind": "APIVersions", "versions": ["v1"],
            "serverAddressByClientCIDRs": [["clientCIDR": "0.0.0.0/0", "serverAddress": .string(serverAddress)]],
        ]
    }

    /// The named groups of `served`, in registry order, each with its one version.
    static func groups(_ served: [ResourceType]) -> [(name: String, version: String)] {
        var seen: [(String, String)] = []
        for type in served where !type.group.isEmpty && !seen.contains(where: { $0.0 == type.group }) {
            seen.append((type.group, type.version))
        }
        return seen
    }

    /// `/apis`: every named group (`served`: what the cluster has; Kueue's group only where
    /// Kueue is installed).
    public static func groupList(served: [ResourceType] = ResourceType.all) -> JSONValue {
        let items: [JSONValue] = groups(served).map { group in
            let groupVersion: JSONValue = [
                "groupVersion": .string("\(group.name)/\(group.version)"), "version": .string(group.version),
            ]
            return ["name": .string(group.name), "versions": [groupVersion], "preferredVersion": groupVersion]
        }
        return ["kind": "APIGroupList", "apiVersion": "v1", "groups": .array(items)]
    }

    /// `/apis/{group}`: one group.
    public static func group(_ name: String, served: [ResourceType] = ResourceType.all) -> JSONValue? {
        guard let group = groups(served).first(where: { $0.name == name }) else { return nil }
        let groupVersion: JSONValue = [
            "groupVersion": .string("\(group.name)/\(group.version)"), "version": .string(group.version),
        ]
        return [
            "kind": "APIGroup", "apiVersion": "v1", "name": .string(group.name), "versions": [groupVersion],
            "preferredVersion": groupVersion,
        ]
    }

    /// `/api/v1` or `/apis/{group}/{version}`: the resources and subresources served there.
    public static func resourceList(group: String, version: String, served: [ResourceType] = ResourceType.all)
        -> JSONValue?
    {
        let types = served.filter { $0.group == group && $0.version == version }
        guard !types.isEmpty else { return nil }
        var resources: [JSONValue] = []
        for type in types {
            var resource: JSONValue = [
                "name": .string(type.plural), "singularName": .string(type.singular),
                "namespaced": .bool(type.namespaced), "kind": .string(type.kind),
                "verbs": .array(type.verbs.map(JSONValue.string)),
            ]
            if !type.shortNames.isEmpty { resource.setMember("shortNames", .array(type.shortNames.map(JSONValue.string))) }
            if [.pods, .jobs, .deployments, .replicaSets, .services].contains(type) {
                resource.setMember("categories", ["all"])
            }
            resources.append(resource)
            for subresource in type.subresources {
                let (kind, verbs) = subresourceShape(type, subresource)
                var entry: JSONValue = [
                    "name": .string("\(type.plural)/\(subresource)"), "singularName": "",
                    "namespaced": .bool(type.namespaced), "kind": .string(kind), "verbs": .array(verbs.map(JSONValue.string)),
                ]
                // A Scale is autoscaling/v1 whatever group serves it (kubectl scale reads this).
                if subresource == "scale" {
                    entry.setMember("group", "autoscaling")
                    entry.setMember("version", "v1")
                }
                resources.append(entry)
            }
        }
        let groupVersion = group.isEmpty ? version : "\(group)/\(version)"
        return ["kind": "APIResourceList", "apiVersion": "v1", "groupVersion": .string(groupVersion),
            "resources": .array(resources)]
    }

    private static func subresourceShape(_ type: ResourceType, _ subresource: String) -> (String, [String]) {
        switch subresource {
        case "status": (type.kind, ["get", "patch", "update"])
        case "log": ("Pod", ["get"])
        case "eviction": ("Eviction", ["create"])
        case "binding": ("Binding", ["create"])
        case "token": ("TokenRequest", ["create"])
        case "scale": ("Scale", ["get", "patch", "update"])
        case "exec", "attach", "portforward", "proxy": ("PodExecOptions", ["create", "get"])
        case "finalize": ("Namespace", ["update"])
        default: (type.kind, ["get"])
        }
    }
}
