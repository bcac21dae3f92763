import KubeModel

/// One HTTP request as the simulated API server's router sees it: the parsed target, the
/// headers, the whole body (bounded by the server) and who sent it.
public struct APIServerRequest: Sendable {
    public var method: String
    /// The path without the query string, still percent-encoded.
    public var path: String
    public var queryItems: [Query.Item]
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    /// The authenticated user, `nil` when the request carried no credentials.
    public var user: UserInfo?

    public init(method: String, target: String, headers: [(name: String, value: String)] = [], body: [UInt8] = [],
        user: UserInfo? = nil) throws(QueryError)
    {
        self.method = method
        let parts = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        path = parts.isEmpty ? "/" : String(parts[0])
        queryItems = parts.count > 1 ? try Query.decode(String(parts[1])) : []
        self.headers = headers
        self.body = body
        self.user = user
    }

    /// The first value of a header (names compare case-insensitively).
    public func header(_ name: String) -> String? {
        let lowered = name.lowercased()
        return headers.first { $0.name.lowercased() == lowered }?.value
    }

    /// The last value of a query parameter, as Go's `url.Values.Get` reads the first.
    public func query(_ name: String) -> String? {
        queryItems.first { $0.name == name }?.value
    }

    /// `dryRun=All` on a write.
    public var isDryRun: Bool { query("dryRun") == "All" }
}

/// Who a request comes from: what kube-apiserver's authenticators produce.
public struct UserInfo: Sendable, Hashable {
    public var name: String
    public var groups: [String]

    public init(name: String, groups: [String]) {
        self.name = name
        self.groups = groups
    }

    /// Members of `system:masters` bypass authorization, as on a real cluster.
    public var isClusterAdmin: Bool { groups.contains("system:masters") }
}
