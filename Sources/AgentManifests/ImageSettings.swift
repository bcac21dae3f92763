/// The images of Flightdeck's helpers, pinned so that a manifest printed today is the one
/// applied tomorrow; air-gapped clusters point them at a mirror.
public struct ImageSettings: Sendable, Hashable, Codable {
    /// The log shipper sidecar (tails `/var/log/agent/*.log` into NATS).
    public var logShipper: String
    /// The egress proxy.
    public var proxy: String
    /// The in-cluster NATS server.
    public var nats: String
    /// The S3 client of the restore and snapshot containers (needs `sh`).
    public var objectStoreClient: String

    public init(logShipper: String = "cr.fluentbit.io/fluent/fluent-bit:3.1.4",
        proxy: String = "docker.io/ubuntu/squid:6.6-24.04_edge", nats: String = "docker.io/library/nats:2.10.22-alpine",
        objectStoreClient: String = "quay.io/minio/mc:RELEASE.2024-11-21T17-21-54Z")
    {
        self.logShipper = logShipper
        self.proxy = proxy
        self.nats = nats
        self.objectStoreClient = objectStoreClient
    }
}
