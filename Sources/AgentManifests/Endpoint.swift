/// Host and port of a URL such as `nats://nats.agents.svc:4222` or `http://minio:9000`:
/// what `NO_PROXY`, the sidecar's NATS output and NetworkPolicy ports need.
///
/// Why not `URL`: Foundation's parser is lenient in different ways across platforms, and these
/// URLs are simple (`scheme://[user@]host[:port][/path]`); a bracketed IPv6 host is kept whole.
public struct Endpoint: Sendable, Hashable {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    public init(url: String, defaultPort: Int) {
        var rest = Substring(url)
        if let scheme = rest.range(of: "://") { rest = rest[scheme.upperBound...] }
        if let slash = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) { rest = rest[..<slash] }
        if let at = rest.lastIndex(of: "@") { rest = rest[rest.index(after: at)...] }
        var host = rest
        var port = defaultPort
        if rest.hasPrefix("["), let close = rest.firstIndex(of: "]") {
            host = rest[...close]
            let after = rest[rest.index(after: close)...]
            if after.hasPrefix(":"), let value = Int(after.dropFirst()) { port = value }
        } else if let colon = rest.lastIndex(of: ":") {
            host = rest[..<colon]
            if let value = Int(rest[rest.index(after: colon)...]) { port = value }
        }
        self.host = String(host)
        self.port = port
    }

    /// For `name.namespace.svc[.cluster.local]`: the namespace; `nil` for other hosts.
    public var serviceNamespace: String? {
        let parts = host.split(separator: ".")
        guard parts.count >= 3, parts[2] == "svc" else { return nil }
        return String(parts[1])
    }
}
