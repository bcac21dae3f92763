/// The egress proxy agents must use: the only way out of their NetworkPolicy to the internet.
///
/// Why a proxy: NetworkPolicies filter by IP and port, not by name, and the hosts agents need
/// (GitHub, PyPI, model APIs) sit behind CDNs whose addresses change; Squid filters by domain.
public struct EgressProxySettings: Sendable, Hashable, Codable {
    /// An existing proxy; `nil`: the bundle's Squid (`egress-proxy.<namespace>.svc`).
    public var host: String?
    public var port: Int
    /// CIDR of an external proxy, for the agents' NetworkPolicy; `nil`: any public address on `port`.
    public var cidr: String?
    /// Squid `dstdomain` entries: `.github.com` matches the domain and its subdomains.
    public var allowedDomains: [String]

    public static let defaultAllowedDomains = [
        ".github.com", ".githubusercontent.com", "pypi.org", "files.pythonhosted.org", ".openai.com", ".anthropic.com",
    ]

    public init(host: String? = nil, port: Int = 3128, cidr: String? = nil,
        allowedDomains: [String] = EgressProxySettings.defaultAllowedDomains)
    {
        self.host = host
        self.port = port
        self.cidr = cidr
        self.allowedDomains = allowedDomains
    }
}
