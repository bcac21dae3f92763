/// Where workspaces are archived (Tier 2 of the architecture: MinIO or S3).
///
/// Why credentials by Secret name: the install bundle never holds the keys; the operator
/// creates the Secret (keys `accessKey`, `secretKey`) once, and only the restore and
/// snapshot containers mount it, as files, never the agent.
public struct ObjectStoreSettings: Sendable, Hashable, Codable {
    /// `http://minio.minio.svc.cluster.local:9000` or `https://s3.eu-west-1.amazonaws.com`.
    public var endpoint: String
    public var bucket: String
    /// A Secret in the agents' namespace with files `accessKey` and `secretKey`.
    public var credentialsSecret: String
    /// CIDR of the endpoint for the agents' NetworkPolicy, when it is outside the cluster on a
    /// private network; `nil`: an in-cluster service by namespace, else any public address.
    public var cidr: String?

    public init(endpoint: String, bucket: String, credentialsSecret: String = "flightdeck-object-store", cidr: String? = nil) {
        self.endpoint = endpoint
        self.bucket = bucket
        self.credentialsSecret = credentialsSecret
        self.cidr = cidr
    }
}
