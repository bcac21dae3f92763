/// How Flightdeck's cluster is laid out: where agents run, where their traces go, how they
/// reach the internet and where workspaces are archived. One value feeds both the install
/// bundle and every task's Job, so the two always agree (the proxy the Job names is the one
/// the bundle deploys, the NATS subjects the sidecar publishes to are the ones the cockpit
/// reads).
///
/// Read from the `cluster:` section of Flightdeck's `config.yaml` (`ManifestConfig`)
/// and overridden by command-line flags.
public struct ClusterSettings: Sendable, Hashable, Codable {
    /// The agents' namespace (PodSecurity `restricted`).
    public var namespace: String
    /// An existing NATS server (`nats://host:4222`); `nil`: the bundle deploys one with JetStream.
    public var natsURL: String?
    /// CIDR of an external NATS server, for the agents' NetworkPolicy; `nil`: any public address on its port.
    public var natsCIDR: String?
    /// The JetStream volume of the in-cluster NATS.
    public var natsStorage: String
    /// Where the operator's `flightdeck` reaches the in-cluster NATS from, besides the node NATS
    /// runs on: the NATS NetworkPolicy admits these CIDRs on the client port. Empty by default,
    /// because the node itself is always admitted (Kubernetes lets a pod's own node in, which is
    /// how `flightdeck` on the k3s server reaches the Service's ClusterIP), the pod range would
    /// admit every pod again, and a host range differs per install. Add the other nodes'
    /// addresses of a multi-node cluster, or a workstation's `/32` behind a NodePort.
    public var natsOperatorCIDRs: [String]
    /// The bus keys on this machine (`flightdeck install` makes them, mode 0600): from them
    /// Flightdeck mints each job's NATS user at submit and its own at every connection.
    /// `nil`: none here (the bus then has no identities, or `natsCredentialsPath` says who we are).
    public var natsKeysPath: String?
    /// A `.creds` file the operator's tools connect with, on a machine without the keys.
    public var natsCredentialsPath: String?
    public var egressProxy: EgressProxySettings
    /// Workspace archival (Tier 2); `nil`: no restore/snapshot containers.
    public var objectStore: ObjectStoreSettings?
    /// The exit code by which an agent says "logic error, do not retry": the Job fails at once.
    public var fatalExitCode: Int
    /// How old the heartbeat file may get before the liveness probe fails. A whole number of
    /// minutes (the probe is `find -mmin`, which busybox and GNU find both have).
    public var heartbeatStalenessSeconds: Int
    /// How often the snapshot sidecar uploads the checkpoint database.
    public var snapshotIntervalMinutes: Int
    /// The StorageClass of workspaces and of NATS's volume (k3s's bundled provisioner).
    public var storageClassName: String
    /// The cluster's DNS domain, for service names and `NO_PROXY`.
    public var clusterDomain: String
    public var images: ImageSettings

    public init(namespace: String = "agents", natsURL: String? = nil, natsCIDR: String? = nil, natsStorage: String = "2Gi",
        natsOperatorCIDRs: [String] = [], egressProxy: EgressProxySettings = EgressProxySettings(), objectStore: ObjectStoreSettings? = nil,
        fatalExitCode: Int = 42, heartbeatStalenessSeconds: Int = 120, snapshotIntervalMinutes: Int = 5,
        storageClassName: String = "local-path", clusterDomain: String = "cluster.local",
        images: ImageSettings = ImageSettings())
    {
        self.namespace = namespace
        self.natsURL = natsURL
        self.natsCIDR = natsCIDR
        self.natsStorage = natsStorage
        self.natsOperatorCIDRs = natsOperatorCIDRs
        self.egressProxy = egressProxy
        self.objectStore = objectStore
        self.fatalExitCode = fatalExitCode
        self.heartbeatStalenessSeconds = heartbeatStalenessSeconds
        self.snapshotIntervalMinutes = snapshotIntervalMinutes
        self.storageClassName = storageClassName
        self.clusterDomain = clusterDomain
        self.images = images
    }

    // MARK: - Derived

    /// Whether the install bundle deploys NATS (no external URL given).
    public var deploysNATS: Bool { natsURL == nil }

    /// `nats.agents.svc.cluster.local`: the in-cluster NATS service.
    public var inClusterNATSHost: String { "nats.\(namespace).svc.\(clusterDomain)" }

    /// What agents and sidecars connect to.
    public var effectiveNATSURL: String { natsURL ?? "nats://\(inClusterNATSHost):4222" }

    /// Host and port of `effectiveNATSURL` (port 4222 when absent).
    public var natsEndpoint: Endpoint { Endpoint(url: effectiveNATSURL, defaultPort: 4222) }

    /// The proxy's host: the configured one, else the in-cluster Squid service.
    public var proxyHost: String { egressProxy.host ?? "egress-proxy.\(namespace).svc.\(clusterDomain)" }

    /// `http://host:port`, for `HTTP_PROXY`/`HTTPS_PROXY`.
    public var proxyURL: String { "http://\(proxyHost):\(egressProxy.port)" }

    /// Everything wrong with the settings, one sentence each naming the field.
    public var validationErrors: [String] {
        var errors: [String] = []
        if !Self.isDNSLabel(namespace) { errors.append("namespace \"\(namespace)\" is not a valid namespace name") }
        if let natsURL, !(natsURL.hasPrefix("nats://") || natsURL.hasPrefix("tls://")) || Endpoint(url: natsURL, defaultPort: 4222).host.isEmpty {
            errors.append("natsURL \"\(natsURL)\" should look like nats://host:4222")
        }
        for cidr in natsOperatorCIDRs where !Self.isCIDR(cidr) {
            errors.append("nats.operatorCIDRs \"\(cidr)\" is not a CIDR like 192.168.1.20/32")
        }
        if let natsCIDR, !Self.isCIDR(natsCIDR) { errors.append("nats.cidr \"\(natsCIDR)\" is not a CIDR like 192.168.1.20/32") }
        if images.logShipper.contains("fluent-bit") || images.logShipper.contains("fluentbit") {
            errors.append("images.logShipper \"\(images.logShipper)\" is Fluent Bit: the sidecar runs Vector now (its config is Vector's)")
        }
        if !(1...255).contains(fatalExitCode) { errors.append("fatalExitCode \(fatalExitCode) must be between 1 and 255") }
        if heartbeatStalenessSeconds < 60 || heartbeatStalenessSeconds % 60 != 0 {
            errors.append("heartbeatStalenessSeconds \(heartbeatStalenessSeconds) must be a whole number of minutes (60, 120, ...)")
        }
        if snapshotIntervalMinutes < 1 { errors.append("snapshotIntervalMinutes \(snapshotIntervalMinutes) must be at least 1") }
        if !(1...65535).contains(egressProxy.port) { errors.append("egressProxy.port \(egressProxy.port) is not a port") }
        if egressProxy.allowedDomains.isEmpty && egressProxy.host == nil {
            errors.append("egressProxy.allowedDomains is empty: agents could reach nothing")
        }
        if let store = objectStore {
            if Endpoint(url: store.endpoint, defaultPort: 443).host.isEmpty || !(store.endpoint.hasPrefix("http://") || store.endpoint.hasPrefix("https://")) {
                errors.append("objectStore.endpoint \"\(store.endpoint)\" should look like http://minio.minio.svc:9000")
            }
            if store.bucket.isEmpty { errors.append("objectStore.bucket is empty") }
            if !Self.isDNSLabel(store.credentialsSecret) && !store.credentialsSecret.contains(".") {
                errors.append("objectStore.credentialsSecret \"\(store.credentialsSecret)\" is not a Secret name")
            }
        }
        return errors
    }

    /// An IPv4 (`a.b.c.d/n`, n ≤ 32) or IPv6 (`x:…/n`, n ≤ 128) CIDR, as NetworkPolicy `ipBlock` takes.
    static func isCIDR(_ text: String) -> Bool {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let bits = Int(parts[1]), parts[1].allSatisfy(\.isNumber) else { return false }
        if parts[0].contains(":") {
            return bits <= 128 && parts[0].allSatisfy { $0 == ":" || $0.isHexDigit } && parts[0].count >= 2
        }
        let octets = parts[0].split(separator: ".", omittingEmptySubsequences: false)
        return bits <= 32 && octets.count == 4
            && octets.allSatisfy { !$0.isEmpty && $0.count <= 3 && $0.allSatisfy(\.isNumber) && Int($0)! <= 255 }
    }

    /// RFC 1123 label: lower-case alphanumerics and '-', at most 63, alphanumeric at both ends.
    static func isDNSLabel(_ text: String) -> Bool {
        guard !text.isEmpty, text.count <= 63,
            text.allSatisfy({ ($0.isASCII && $0.isLowercase && $0.isLetter) || ($0.isASCII && $0.isNumber) || $0 == "-" })
        else { return false }
        return text.first != "-" && text.last != "-"
    }
}
