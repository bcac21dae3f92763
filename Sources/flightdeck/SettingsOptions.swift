import AgentManifests
import ArgumentParser
import FlightdeckApp
import Foundation
import KubeClient
import NATSAuth

/// Where the cluster settings come from: the `cluster:`/`agents:` sections of Flightdeck's
/// config file (`--config`, else `$XDG_CONFIG_HOME/flightdeck/config.yaml`, else
/// `~/.config/flightdeck/config.yaml`; a missing file means defaults), then these flags.
struct SettingsOptions: ParsableArguments {
    @Option(name: .customLong("config"), help: "Flightdeck's config file (cluster: and agents: sections).")
    var configFile: String?

    @Option(name: .customLong("nats-url"), help: "An existing NATS server (nats://host:4222) instead of the in-cluster one.")
    var natsURL: String?

    @Option(name: .customLong("proxy-host"), help: "An existing egress proxy instead of the in-cluster Squid.")
    var proxyHost: String?

    @Option(name: .customLong("proxy-port"), help: "The egress proxy's port (default 3128).")
    var proxyPort: Int?

    @Option(name: .customLong("s3-endpoint"), help: "MinIO/S3 endpoint for workspace snapshots (enables restore and snapshot containers).")
    var s3Endpoint: String?

    @Option(name: .customLong("s3-bucket"), help: "The snapshot bucket (with --s3-endpoint).")
    var s3Bucket: String?

    @Option(name: .customLong("s3-credentials-secret"), help: "Secret with files accessKey and secretKey (default flightdeck-object-store).")
    var s3CredentialsSecret: String?

    @Option(name: .customLong("fatal-exit-code"), help: "The agent exit code that fails the Job without retry (default 42).")
    var fatalExitCode: Int?

    /// Where the bus keys are when the config does not say: `$XDG_CONFIG_HOME/flightdeck/nats-keys.json`.
    static var defaultKeysPath: String {
        BusKeyFile.defaultPath(environment: ProcessInfo.processInfo.environment,
            home: ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory())
    }

    var configPath: String {
        configFile ?? FlightdeckConfig.defaultPath(environment: ProcessInfo.processInfo.environment,
            homeDirectory: ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory())
    }

    /// The config file's sections, with the flags applied; `namespace` overrides the file's.
    func load(namespace: String?) throws -> ManifestConfig {
        var config = ManifestConfig()
        let path = configPath
        if FileManager.default.fileExists(atPath: path) {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw OperatorError("cannot read Flightdeck config \(path)")
            }
            do {
                config = try ManifestConfig.parse(String(decoding: data, as: UTF8.self), file: path)
            } catch {
                throw OperatorError(error.description)
            }
        } else if configFile != nil {
            throw OperatorError("no Flightdeck config at \(path) (--config)")
        }
        var settings = config.settings
        if let namespace { settings.namespace = namespace }
        // The keys `flightdeck install` made, when the config names none.
        if settings.natsKeysPath == nil, settings.natsCredentialsPath == nil,
            FileManager.default.fileExists(atPath: Self.defaultKeysPath)
        {
            settings.natsKeysPath = Self.defaultKeysPath
        }
        if let natsURL { settings.natsURL = natsURL }
        if let proxyHost { settings.egressProxy.host = proxyHost }
        if let proxyPort { settings.egressProxy.port = proxyPort }
        if let fatalExitCode { settings.fatalExitCode = fatalExitCode }
        if let s3Endpoint {
            guard let bucket = s3Bucket ?? settings.objectStore?.bucket else {
                throw OperatorError("--s3-endpoint needs --s3-bucket")
            }
            settings.objectStore = ObjectStoreSettings(endpoint: s3Endpoint, bucket: bucket,
                credentialsSecret: s3CredentialsSecret ?? settings.objectStore?.credentialsSecret ?? "flightdeck-object-store")
        } else if s3Bucket != nil || s3CredentialsSecret != nil {
            guard var store = settings.objectStore else { throw OperatorError("--s3-bucket and --s3-credentials-secret need --s3-endpoint") }
            if let s3Bucket { store.bucket = s3Bucket }
            if let s3CredentialsSecret { store.credentialsSecret = s3CredentialsSecret }
            settings.objectStore = store
        }
        let errors = settings.validationErrors
        if !errors.isEmpty { throw OperatorError("bad cluster settings: " + errors.joined(separator: "; ")) }
        config.settings = settings
        return config
    }
}
