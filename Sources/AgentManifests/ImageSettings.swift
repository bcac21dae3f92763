/// The images of Flightdeck's helpers, pinned so that a manifest printed today is the one
/// applied tomorrow; air-gapped clusters point them at a mirror.
public struct ImageSettings: Sendable, Hashable, Codable {
    /// The log shipper sidecar (tails `/var/log/agent/*.log` into NATS): Vector, whose config
    /// the bundle writes (`InstallManifests.logShipperConfig`); it needs the `nats` sink's
    /// `auth.credentials_file` (Vector 0.22+) and the distroless image's entrypoint `vector`.
    public var logShipper: String
    /// The egress proxy.
    public var proxy: String
    /// The in-cluster NATS server.
    public var nats: String
    /// The S3 client of the restore and snapshot containers (needs `sh`).
    public var objectStoreClient: String

    public init(logShipper: String = "docker.io/timberio/vector:0.56.0-distroless-libc",
        proxy: String = "docker.io/ubuntu/squid:6.6-24.04_edge", nats: String = "docker.io/library/nats:2.10.22-alpine",
        objectStoreClient: String = "quay.io/minio/mc:RELEASE.2024-11-21T17-21-54Z")
    {
        self.logShipper = logShipper
        self.proxy = proxy
        self.nats = nats
        self.objectStoreClient = objectStoreClient
    }
}
