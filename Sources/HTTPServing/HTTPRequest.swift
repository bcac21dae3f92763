/// One request as the server read it: the method, the request target as sent (path and
/// query, still percent-encoded: the handler decodes what it routes on), the headers and the
/// whole body (already decompressed when it came gzip- or deflate-encoded).
public struct HTTPRequest: Sendable {
    public var method: String
    /// `/api/jobs?limit=5`, as on the request line.
    public var target: String
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public init(method: String, target: String, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.method = method
        self.target = target
        self.headers = headers
        self.body = body
    }

    /// The first value of header `name` (compared without case).
    public func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.name.lowercased() == wanted }?.value
    }
}
