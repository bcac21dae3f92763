import ConfigYAML
import Foundation

/// The `cluster:`, `agents:`, `trace:` (`TraceSettings`), `queues:` (`QueueConfiguration`) and
/// `prices:` (`PriceTable`) sections of Flightdeck's config file
/// (`~/.config/flightdeck/config.yaml`): cluster settings, and defaults for every task.
///
/// ```yaml
/// cluster:
///   namespace: agents
///   nats: {url: nats://nats.example:4222, cidr: 192.168.1.20/32}   # omit url: in-cluster NATS
///   # nats: {operatorCIDRs: [192.168.1.30/32]}   # in-cluster NATS: who else may reach it
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
    /// The task queues; without a `queues:` section, one implicit queue without a limit.
    public var queues: QueueConfiguration
    /// What models cost; also `queues.prices`, which `costPerDay` budgets are counted with.
    public var prices: PriceTable {
        get { queues.prices }
        set { queues.prices = newValue }
    }

    public init(settings: ClusterSettings = ClusterSettings(), taskDefaults: TaskTemplate = TaskTemplate(),
        trace: TraceSettings = TraceSettings(), queues: QueueConfiguration = QueueConfiguration(),
        prices: PriceTable? = nil)
    {
        self.settings = settings
        self.taskDefaults = taskDefaults
        self.trace = trace
        self.queues = queues
        if let prices { self.queues.prices = prices }
    }

    /// Reads the config file's text; `file` names it in errors.
    public static func parse(_ text: String, file: String, now: Date = Date()) throws(ConfigFileError) -> ManifestConfig {
        do throws(YAMLError) {
            return try read(YAMLDocument(text: text, source: file), now: now)
        } catch {
            throw ConfigFileError(error)
        }
    }

    private static func read(_ document: YAMLDocument, now: Date) throws(YAMLError) -> ManifestConfig {
        var config = ManifestConfig()
        guard let top = try document.root?.mapping(expected: "a mapping of sections (cluster:, agents:, trace:, queues:)") else {
            return config
        }
        if let agents = try top.mapping("agents", expected: "a mapping of fields") {
            config.taskDefaults = try TaskTemplate.read(agents)
        }
        if let trace = try top.mapping("trace", expected: "a mapping of fields") {
            config.trace = try TraceSettings.read(trace, now: now)
        }
        if let queues = top["queues"] {
            config.queues = try QueueConfiguration.read(queues)
        }
        if let prices = try top.mapping("prices", expected: "a mapping with currency: and models:") {
            config.prices = try PriceTable.read(prices)
        }
        // A default queue for every task that the config does not have is a typo: say so here,
        // not at every submit.
        if let agents = try top.mapping("agents"), let queueValue = agents["queue"], let name = try queueValue.string(),
            config.queues.queue(named: name) == nil
        {
            throw queueValue.error("agents.queue \"\(name)\" is not a configured queue (\(config.queues.names))")
        }
        guard let cluster = try top.mapping("cluster", expected: "a mapping of fields") else { return config }
        try cluster.rejectUnknownKeys(["namespace", "nats", "egressProxy", "objectStore", "fatalExitCode",
            "heartbeatStalenessSeconds", "snapshotIntervalMinutes", "storageClassName", "clusterDomain", "images"])
        var settings = ClusterSettings()
        if let namespace = cluster["namespace"], let name = try namespace.string() {
            guard ClusterSettings.isDNSLabel(name) else {
                throw namespace.error(expected: "a namespace name (lower-case letters, digits, '-')")
            }
            settings.namespace = name
        }
        if let nats = try cluster.mapping("nats", expected: "a mapping of fields") {
            try nats.rejectUnknownKeys(["url", "cidr", "storage", "operatorCIDRs", "keys", "credentials"])
            settings.natsKeysPath = try nats.string("keys")
            settings.natsCredentialsPath = try nats.string("credentials")
            if let url = nats["url"] {
                let text = try url.string()
                guard let text, text.hasPrefix("nats://") || text.hasPrefix("tls://") else {
                    throw url.error(expected: "a URL like nats://host:4222")
                }
                settings.natsURL = text
            }
            settings.natsCIDR = try nats.string("cidr")
            settings.natsStorage = try nats.string("storage") ?? settings.natsStorage
            if let list = nats["operatorCIDRs"] {
                let cidrs = try nats.strings("operatorCIDRs") ?? []
                if let bad = cidrs.first(where: { !ClusterSettings.isCIDR($0) }) {
                    throw list.error(expected: "a list of CIDRs like 192.168.1.20/32 (\"\(bad)\" is not one)")
                }
                settings.natsOperatorCIDRs = cidrs
            }
        }
        if let proxy = try cluster.mapping("egressProxy", expected: "a mapping of fields") {
            try proxy.rejectUnknownKeys(["host", "port", "cidr", "allowedDomains"])
            settings.egressProxy.host = try proxy.string("host")
            settings.egressProxy.port = try proxy.int("port", in: 1...65535, expected: "a port number") ?? settings.egressProxy.port
            settings.egressProxy.cidr = try proxy.string("cidr")
            settings.egressProxy.allowedDomains = try proxy.strings("allowedDomains") ?? settings.egressProxy.allowedDomains
        }
        if let store = try cluster.mapping("objectStore", expected: "a mapping of fields") {
            try store.rejectUnknownKeys(["endpoint", "bucket", "credentialsSecret", "cidr"])
            let endpoint = try store.required("endpoint")
            guard let url = try endpoint.string(), url.hasPrefix("http://") || url.hasPrefix("https://") else {
                throw endpoint.error(expected: "a URL like http://minio.minio.svc:9000")
            }
            let bucketValue = try store.required("bucket")
            guard let bucket = try bucketValue.string(), !bucket.isEmpty else { throw bucketValue.error(expected: "a bucket name") }
            settings.objectStore = ObjectStoreSettings(endpoint: url, bucket: bucket,
                credentialsSecret: try store.string("credentialsSecret") ?? "flightdeck-object-store", cidr: try store.string("cidr"))
        }
        settings.fatalExitCode = try cluster.int("fatalExitCode", in: 1...255, expected: "an integer between 1 and 255")
            ?? settings.fatalExitCode
        let minutesInSeconds = "a whole number of minutes in seconds (60, 120, ...)"
        if let staleness = cluster["heartbeatStalenessSeconds"], let seconds = try staleness.int(in: 60...86_400, expected: minutesInSeconds) {
            guard seconds % 60 == 0 else { throw staleness.error(expected: minutesInSeconds) }
            settings.heartbeatStalenessSeconds = seconds
        }
        settings.snapshotIntervalMinutes = try cluster.int("snapshotIntervalMinutes", in: 1...1440, expected: "a number of minutes (1-1440)")
            ?? settings.snapshotIntervalMinutes
        settings.storageClassName = try cluster.string("storageClassName") ?? settings.storageClassName
        settings.clusterDomain = try cluster.string("clusterDomain") ?? settings.clusterDomain
        if let images = try cluster.mapping("images", expected: "a mapping of fields") {
            try images.rejectUnknownKeys(["logShipper", "proxy", "nats", "objectStoreClient"])
            // Same key as when the sidecar was Fluent Bit; a Fluent Bit image is refused, since
            // the sidecar's arguments and config are Vector's now.
            if let shipper = images["logShipper"], let image = try shipper.string() {
                guard !(image.contains("fluent-bit") || image.contains("fluentbit")) else {
                    throw shipper.error(expected: "a Vector image (timberio/vector:…): the log shipper is Vector now")
                }
                settings.images.logShipper = image
            }
            settings.images.proxy = try images.string("proxy") ?? settings.images.proxy
            settings.images.nats = try images.string("nats") ?? settings.images.nats
            settings.images.objectStoreClient = try images.string("objectStoreClient") ?? settings.images.objectStoreClient
        }
        config.settings = settings
        return config
    }
}
