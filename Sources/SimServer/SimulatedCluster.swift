import FlightdeckCore
import Foundation
import KubeModel
import SimAgent
import SimCluster

/// The embedded k3s stand-in, assembled: a data directory, its PKI, the object store, the
/// HTTPS API server, and the kubeconfig that lets Flightdeck and `kubectl` in.
///
/// Layout of the data directory (kept between runs, so a restart keeps its CA and port):
/// `tls/` (CA and serving certificates), `kubeconfig.yaml` (the admin's), `port`.
public final class SimulatedCluster: Sendable {
    public struct Options: Sendable {
        public var dataDirectory: URL
        /// 0: the port of the previous run when it is free, else any free port.
        public var port: Int
        public var useTLS: Bool
        public var timing: SimTiming
        public var seed: UInt64?
        /// How often watches that allow bookmarks get one (kube-apiserver: about a minute;
        /// shorter here so clients' silence detection never fires on an idle sim).
        public var bookmarkInterval: Duration
        /// The namespace made at start and written into the kubeconfig's context.
        public var namespace: String
        /// Extra bearer tokens and their users (tests of token auth and RBAC).
        public var tokens: [String: UserInfo]
        public var historyLimit: Int
        /// The one node's name (pods are bound to it; PVs have affinity to it).
        public var nodeName: String
        /// A NATS server the simulated agents publish their trace to and take commands from
        /// (as well as printing to their pod log); `nil`: pod logs only.
        public var natsURL: String?
        /// The NATS server requires credentials (JWT mode): each agent connects as its job's
        /// user, from the credentials in its Job's Secret; there is no shared connection.
        public var natsAuthorized: Bool
        /// The agent runtime's interpreter (`flightdeck-agent/.venv/bin/python`): containers of
        /// its image then run as real processes (see `ProcessContainerRuntime`); `nil`: every
        /// agent is simulated.
        public var agentRuntimePython: String?
        /// The cluster has Kueue (kueue.x-k8s.io/v1beta1): its five types are served —
        /// discovery, OpenAPI, RBAC, watch, kubectl tables — and its controller runs. Off, they
        /// are 404, as on a cluster without Kueue.
        public var kueue: Bool

        public init(dataDirectory: URL, port: Int = 0, useTLS: Bool = true, timing: SimTiming = .realTime,
            seed: UInt64? = nil, bookmarkInterval: Duration = .seconds(5), namespace: String = "agents",
            tokens: [String: UserInfo] = [:], historyLimit: Int = 10_000, nodeName: String = "flightdeck-sim",
            natsURL: String? = nil, natsAuthorized: Bool = false, agentRuntimePython: String? = nil,
            kueue: Bool = false)
        {
            self.kueue = kueue
            self.natsURL = natsURL
            self.natsAuthorized = natsAuthorized
            self.agentRuntimePython = agentRuntimePython
            self.nodeName = nodeName
            self.dataDirectory = dataDirectory
            self.port = port
            self.useTLS = useTLS
            self.timing = timing
            self.seed = seed
            self.bookmarkInterval = bookmarkInterval
            self.namespace = namespace
            self.tokens = tokens
            self.historyLimit = historyLimit
        }
    }

    public let options: Options
    public let store: APIStore
    /// Scheduler, volume provisioning, Job, Deployment, ReplicaSet, TTL, garbage-collection,
    /// ServiceAccount and root-CA-publishing controllers.
    public let controlPlane: ControlPlane
    /// The node: runs pods (simulated agents and their sidecars) and serves their logs.
    public let kubelet: Kubelet
    /// The agents' link to NATS, when one was given.
    public let nats: NATSAgentBridge?
    private let commandForwarding: Task<Void, Never>?
    public let server: APIServer
    public let authority: CertificateAuthority
    /// The admin kubeconfig (`system:masters`).
    public let kubeconfigURL: URL

    /// `https://127.0.0.1:PORT`.
    public var url: String { server.url }

    private init(options: Options, store: APIStore, controlPlane: ControlPlane, kubelet: Kubelet, server: APIServer,
        authority: CertificateAuthority, kubeconfigURL: URL, nats: NATSAgentBridge?, commandForwarding: Task<Void, Never>?)
    {
        self.nats = nats
        self.commandForwarding = commandForwarding
        self.options = options
        self.store = store
        self.controlPlane = controlPlane
        self.kubelet = kubelet
        self.server = server
        self.authority = authority
        self.kubeconfigURL = kubeconfigURL
    }

    /// Starts everything; `store` lets a restart keep the cluster's state (tests of resume).
    public static func start(_ options: Options, store existing: APIStore? = nil) async throws -> SimulatedCluster
    {
        let data = options.dataDirectory
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        let authority = try CertificateAuthority.loadOrCreate(in: data.appendingPathComponent("tls"))
        let store = existing ?? APIStore(configuration: APIStoreConfiguration(
            historyLimit: options.historyLimit, watchBufferSize: 10_000, bookmarkInterval: options.bookmarkInterval,
            clock: SimClock(timing: options.timing).closure, seed: options.seed,
            initialNamespaces: ["default", "kube-system", "kube-public", "kube-node-lease"]))
        let controlPlane = ControlPlane(store: store, configuration: .init(
            nodeName: options.nodeName, dataDirectory: data, timing: options.timing,
            rootCAPEM: authority.certificatePEM, kueue: options.kueue))
        controlPlane.start()
        var bridge: NATSAgentBridge?
        if let url = options.natsURL {
            let link = try NATSAgentBridge(url: url, authorized: options.natsAuthorized)
            try await link.start()
            bridge = link
        }
        var agentBus: (@Sendable (AgentBusRequest) -> AgentBusLink?)?
        if let bridge { agentBus = { request in bridge.link(request) } }
        let kubelet = Kubelet(store: store, configuration: KubeletConfiguration(
            nodeName: options.nodeName, dataDirectory: data.path, timing: options.timing, agentBus: agentBus,
            agentRuntime: options.agentRuntimePython.map { AgentRuntimeImage(python: $0, natsURL: options.natsURL) }))
        let forwarding = try bridge?.forwardCommands(to: kubelet.commands) ?? nil
        kubelet.start()
        let logs = kubelet
        if (try? store.get(type: .namespaces, name: options.namespace)) == nil {
            _ = try? store.create(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(options.namespace)]],
                type: .namespaces)
        }

        var tls: APIServer.Configuration.TLS?
        if options.useTLS {
            let serving = try authority.issueServingCertificate()
            tls = .init(certificatePEM: serving.certificatePEM, privateKeyPEM: serving.privateKeyPEM,
                clientCAPEM: authority.certificatePEM)
        }
        let portFile = data.appendingPathComponent("port")
        var port = options.port
        if port == 0, let text = try? String(contentsOf: portFile, encoding: .utf8), let previous = Int(text) {
            port = previous
        }
        var server: APIServer
        do {
            server = try await APIServer.start(
                configuration: .init(port: port, tls: tls, tokens: options.tokens),
                router: { APIRouter(store: store, logs: logs, serverAddress: $0, kueue: options.kueue) })
        } catch where options.port == 0 && port != 0 {
            // The previous port is taken now: any port will do.
            server = try await APIServer.start(
                configuration: .init(port: 0, tls: tls, tokens: options.tokens),
                router: { APIRouter(store: store, logs: logs, serverAddress: $0, kueue: options.kueue) })
        }
        try? String(server.port).write(to: portFile, atomically: true, encoding: .utf8)

        let admin = try authority.issueClientCertificate(user: "system:admin", groups: ["system:masters"])
        let kubeconfigURL = data.appendingPathComponent("kubeconfig.yaml")
        try KubeconfigFile(server: server.url, certificateAuthorityPEM: authority.certificatePEM,
            userName: "flightdeck-sim-admin", namespace: options.namespace,
            clientCertificatePEM: admin.certificatePEM, clientKeyPEM: admin.privateKeyPEM).write(to: kubeconfigURL)
        return SimulatedCluster(options: options, store: store, controlPlane: controlPlane, kubelet: kubelet, server: server,
            authority: authority, kubeconfigURL: kubeconfigURL, nats: bridge, commandForwarding: forwarding)
    }

    /// A kubeconfig for another user (client certificate with `user` as CN, `groups` as O).
    public func writeKubeconfig(user: String, groups: [String] = [], to url: URL) throws {
        let pair = try authority.issueClientCertificate(user: user, groups: groups)
        try KubeconfigFile(server: server.url, certificateAuthorityPEM: authority.certificatePEM, userName: user,
            namespace: options.namespace, clientCertificatePEM: pair.certificatePEM, clientKeyPEM: pair.privateKeyPEM)
            .write(to: url)
    }

    public func stop() async {
        await server.shutdown()
        await controlPlane.stop()
        await kubelet.stop()
        commandForwarding?.cancel()
        await nats?.stop()
    }
}
