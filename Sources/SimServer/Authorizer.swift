import FlightdeckCore
import KubeModel
import SimCluster

/// What a request asks to do, in RBAC's terms.
public struct ResourceAttributes: Sendable, Hashable {
    public var verb: String
    public var group: String
    /// The plural resource (`jobs`); a subresource is separate (`log`).
    public var resource: String
    public var subresource: String?
    public var namespace: String?
    public var name: String?

    public init(verb: String, group: String, resource: String, subresource: String? = nil, namespace: String? = nil,
        name: String? = nil)
    {
        self.verb = verb
        self.group = group
        self.resource = resource
        self.subresource = subresource
        self.namespace = namespace
        self.name = name
    }
}

/// kube-apiserver's authorizers as k3s runs them: `system:masters` may do anything; every
/// other user gets what the Roles bound to it (or its groups) in the request's namespace
/// allow — so a test can prove the orchestrator works with exactly the Role Flightdeck
/// installs, and see the real "is forbidden" sentence when it does not.
public struct Authorizer: Sendable {
    public let store: APIStore

    public init(store: APIStore) { self.store = store }

    public func allows(_ user: UserInfo, _ request: ResourceAttributes) -> Bool {
        if user.isClusterAdmin { return true }
        // Every authenticated user may review its own access, as the default ClusterRoles allow.
        if request.verb == "create",
            (request.group == "authorization.k8s.io" && request.resource == "selfsubjectaccessreviews")
                || (request.group == "authentication.k8s.io" && request.resource == "selfsubjectreviews")
        {
            return true
        }
        guard let namespace = request.namespace,
            let bindings = try? store.list(type: .roleBindings, namespace: namespace)["items"]?.arrayValue
        else { return false }
        for binding in bindings where boundTo(binding, user, namespace: namespace) {
            guard binding[path: ["roleRef", "kind"]]?.stringValue == "Role",
                let roleName = binding[path: ["roleRef", "name"]]?.stringValue,
                let role = try? store.get(type: .roles, namespace: namespace, name: roleName)
            else { continue }
            for rule in role["rules"]?.arrayValue ?? [] where ruleAllows(rule, request) { return true }
        }
        return false
    }

    private func boundTo(_ binding: JSONValue, _ user: UserInfo, namespace: String) -> Bool {
        for subject in binding["subjects"]?.arrayValue ?? [] {
            let name = subject["name"]?.stringValue ?? ""
            switch subject["kind"]?.stringValue {
            case "User": if name == user.name { return true }
            case "Group": if user.groups.contains(name) { return true }
            case "ServiceAccount":
                let saNamespace = subject["namespace"]?.stringValue ?? namespace
                if user.name == "system:serviceaccount:\(saNamespace):\(name)" { return true }
            default: continue
            }
        }
        return false
    }

    private func ruleAllows(_ rule: JSONValue, _ request: ResourceAttributes) -> Bool {
        func strings(_ key: String) -> [String] { (rule[key]?.arrayValue ?? []).compactMap(\.stringValue) }
        let verbs = strings("verbs")
        guard verbs.contains("*") || verbs.contains(request.verb) else { return false }
        let groups = strings("apiGroups")
        guard groups.contains("*") || groups.contains(request.group) else { return false }
        let resource = request.subresource.map { "\(request.resource)/\($0)" } ?? request.resource
        let resources = strings("resources")
        guard resources.contains("*") || resources.contains(resource)
            || (request.subresource != nil && resources.contains("\(request.resource)/*"))
        else { return false }
        let names = strings("resourceNames")
        if !names.isEmpty {
            guard let name = request.name, names.contains(name) else { return false }
        }
        return true
    }
}
