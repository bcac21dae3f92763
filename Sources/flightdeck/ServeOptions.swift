import AgentManifests
import ArgumentParser
import FlightdeckApp
import Foundation
import HistoryStore
import KubeClient
import Orchestrator

/// How `flightdeck serve` (and `record --serve`) listens and what it allows.
struct ServeOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Where to listen: HOST:PORT, [IPv6]:PORT or :PORT. Anything but loopback needs --tls-cert, --tls-key and a token.",
        valueName: "address"))
    var listen = "127.0.0.1:8077"

    @Option(name: .customLong("tls-cert"), help: ArgumentHelp("The serving certificate chain (PEM).", valueName: "path"))
    var tlsCertificate: String?

    @Option(name: .customLong("tls-key"), help: ArgumentHelp("Its private key (PEM).", valueName: "path"))
    var tlsKey: String?

    @Option(name: .customLong("token-file"), help: ArgumentHelp(
        "The bearer token clients must send (default with TLS: $XDG_CONFIG_HOME/flightdeck/serve-token, made 0600 when missing). Given on loopback, it is asked there too.",
        valueName: "path"))
    var tokenFile: String?

    @Flag(name: .customLong("allow-actions"), help: "Serve the cockpit's actions (cancel, steer, retry), as far as this identity's RBAC allows.")
    var allowActions = false

    @Flag(help: "Accept OpenTelemetry traces (OTLP/HTTP, POST /v1/traces) into history: spans of the job named by their resource attribute flightdeck.job_id or k8s.job.name.")
    var otlp = false

    @Option(name: .customLong("cors-origin"), help: ArgumentHelp("A browser origin allowed to call the API (repeatable; none by default).",
        valueName: "origin"))
    var corsOrigins: [String] = []

    @Option(name: .customLong("heartbeat"), help: .hidden) var heartbeatSeconds: Double = 15

    func validate() throws {
        guard heartbeatSeconds > 0, heartbeatSeconds <= 3600 else {
            throw ValidationError("--heartbeat must be between 0 and 3600 seconds")
        }
    }

    func listener() throws -> ServeListener {
        let environment = ProcessInfo.processInfo.environment
        return try ServeListener.make(listen: listen, tlsCertificate: tlsCertificate, tlsKey: tlsKey, tokenFile: tokenFile,
            defaultTokenPath: ServeToken.defaultPath(environment: environment, home: environment["HOME"] ?? NSHomeDirectory()))
    }

    var heartbeat: Duration { .milliseconds(Int64(heartbeatSeconds * 1000)) }
}

extension ServeOptions {
    /// What the API serves, from the flags.
    func apiOptions(_ listener: ServeListener, prices: PriceTable, actions: ServeActions?, store: HistoryStore)
        -> ServeAPI.Options
    {
        ServeAPI.Options(token: listener.token, corsOrigins: corsOrigins, prices: prices, heartbeat: heartbeat,
            otlp: otlp ? OTLPIntake(store: store) : nil, actions: actions)
    }

    /// The cockpit's actions on the cluster `connection` reaches, as far as its RBAC allows
    /// (asked once, now); steer when NATS is reachable.
    static func actions(connection: ClusterConnection, config: ManifestConfig, configPath: String, store: HistoryStore)
        async throws -> ServeActions
    {
        let api = KubeAPI(connection: connection)
        let nats = try await NATSLink.connect(config.settings, name: "flightdeck serve", required: false, configPath: configPath)
        let capabilities = await Capabilities.probe(api: api, namespace: connection.namespace, readOnly: false,
            hasCommandChannel: nats != nil)
        return ServeActions(actions: JobActions(api: api, namespace: connection.namespace, context: connection.contextName,
            nats: nats), capabilities: capabilities, settings: config.settings, queues: config.queues, store: store)
    }
}
