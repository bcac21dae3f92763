import Foundation
import Yams

/// The `cluster:`, `agents:` and `trace:` (`TraceSettings`) sections of Flightdeck's config file
/// (`~/.config/flightdeck/config.yaml`): cluster settings, and defaults for every task.
///
/// ```yaml
/// cluster:
///   namespace: agents
///   nats: {url: nats://nats.example:4222, cidr: 192.168.1.20/32}   # omit url: in-cluster NATS
///   egressProxy: {port: 3128, allowedDomains: [.github.com, pypi.org]}
///   objectStore: {endpoint: http://minio.minio.svc.cluster.local:9000, bucket: workspaces,
///                 credentialsSecret: flightdeck-object-store}
///   fatalExitCode: 42
///   heartbeatStalenessSeconds: 120
///   snapshotIntervalMinutes: 5
///   images: {logShipper: ..., proxy: ..., nats: ..., objectStoreClient: ...}
/// agents:
///   image: ghcr.io/acme/agent:1.4
///   resources: {memory: 4Gi}
/// ```
/// Other top-level sections (`kubernetes:`) belong to other readers and are left alone; an
/// unknown key inside these two is an error, so a typo is never silently ignored.
public struct ManifestConfig: Sendable, Hashable {
    public var settings: ClusterSettings
    public var taskDefaults: TaskTemplate
    public var trace: TraceSettings

    public init(settings: ClusterSettings = ClusterSettings(), taskDefaults: TaskTemplate = TaskTemplate(),
        trace: TraceSettings = TraceSettings())
    {
        self.settings = settings
        self.taskDefaults = taskDefaults
        self.trace = trace
    }

    public static func parse(_ text: String, file: String, now: Date = Date()) throws(ConfigFileError) -> ManifestConfig {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw ConfigFileError("Flightdeck config \(file): not valid YAML: \(String(describing: error).split(separator: "\n").first ?? "")")
        }
        var config = ManifestConfig()
        guard let top = try YAMLFieldReader(root, file: file, path: "") else { return config }
        if let agents = try top.reader("agents") { config.taskDefaults = try TaskTemplate.read(agents) }
        if let trace = try top.reader("trace") { config.trace = try TraceSettings.read(trace, now: now) }
        guard let cluster = try top.reader("cluster") else { return config }
        try cluster.rejectUnknown(["namespace", "nats", "egressProxy", "objectStore", "fatalExitCode",
            "heartbeatStalenessSeconds", "snapshotIntervalMinutes", "storageClassName", "clusterDomain", "images"])
        var settings = ClusterSettings()
        if let namespace = try cluster.string("namespace") {
            guard ClusterSettings.isDNSLabel(namespace) else {
                throw cluster.fail("namespace", cluster.node("namespace")!, "a namespace name (lower-case letters, digits, '-')")
            }
            settings.namespace = namespace
        }
        if let nats = try cluster.reader("nats") {
            try nats.rejectUnknown(["url", "cidr", "storage"])
            settings.natsURL = try nats.string("url")
            if let url = settings.natsURL, !(url.hasPrefix("nats://") || url.hasPrefix("tls://")) {
                throw nats.fail("url", nats.node("url")!, "a URL like nats://host:4222")
            }
            settings.natsCIDR = try nats.string("cidr")
            settings.natsStorage = try nats.string("storage") ?? settings.natsStorage
        }
        if let proxy = try cluster.reader("egressProxy") {
            try proxy.rejectUnknown(["host", "port", "cidr", "allowedDomains"])
            settings.egressProxy.host = try proxy.string("host")
            settings.egressProxy.port = try proxy.int("port", in: 1...65535, "a port number") ?? settings.egressProxy.port
            settings.egressProxy.cidr = try proxy.string("cidr")
            settings.egressProxy.allowedDomains = try proxy.strings("allowedDomains") ?? settings.egressProxy.allowedDomains
        }
        if let store = try cluster.reader("objectStore") {
            try store.rejectUnknown(["endpoint", "bucket", "credentialsSecret", "cidr"])
            guard let endpoint = try store.string("endpoint"), endpoint.hasPrefix("http://") || endpoint.hasPrefix("https://")
            else {
                throw ConfigFileError("\(YAMLFieldReader.location(file, store.mark)): cluster.objectStore.endpoint should be a URL like http://minio.minio.svc:9000")
            }
            guard let bucket = try store.string("bucket"), !bucket.isEmpty else {
                throw ConfigFileError("\(YAMLFieldReader.location(file, store.mark)): cluster.objectStore.bucket is missing")
            }
            settings.objectStore = ObjectStoreSettings(endpoint: endpoint, bucket: bucket,
                credentialsSecret: try store.string("credentialsSecret") ?? "flightdeck-object-store", cidr: try store.string("cidr"))
        }
        settings.fatalExitCode = try cluster.int("fatalExitCode", in: 1...255, "an integer between 1 and 255") ?? settings.fatalExitCode
        if let seconds = try cluster.int("heartbeatStalenessSeconds", in: 60...86_400, "a whole number of minutes in seconds (60, 120, ...)") {
            guard seconds % 60 == 0 else {
                throw cluster.fail("heartbeatStalenessSeconds", cluster.node("heartbeatStalenessSeconds")!,
                    "a whole number of minutes in seconds (60, 120, ...)")
            }
            settings.heartbeatStalenessSeconds = seconds
        }
        settings.snapshotIntervalMinutes = try cluster.int("snapshotIntervalMinutes", in: 1...1440, "a number of minutes (1-1440)")
            ?? settings.snapshotIntervalMinutes
        settings.storageClassName = try cluster.string("storageClassName") ?? settings.storageClassName
        settings.clusterDomain = try cluster.string("clusterDomain") ?? settings.clusterDomain
        if let images = try cluster.reader("images") {
            try images.rejectUnknown(["logShipper", "proxy", "nats", "objectStoreClient"])
            settings.images.logShipper = try images.string("logShipper") ?? settings.images.logShipper
            settings.images.proxy = try images.string("proxy") ?? settings.images.proxy
            settings.images.nats = try images.string("nats") ?? settings.images.nats
            settings.images.objectStoreClient = try images.string("objectStoreClient") ?? settings.images.objectStoreClient
        }
        config.settings = settings
        return config
    }
}
