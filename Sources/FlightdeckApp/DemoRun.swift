import AgentManifests
import FlightdeckCore
import Foundation
import HistoryStore
import KubeClient
import NATSAuth
import NATSClient
import Orchestrator

/// `flightdeck demo` once its simulated cluster runs: Flightdeck's bundle installed, a
/// handful of agents submitted through the real submit flow (real ones on the agent runtime,
/// else simulated), a history kept by the reconciler and the agents' traces followed through
/// the API — shown in the cockpit, or as a plain live feed.
public struct DemoRun: Sendable {
    /// The namespace and settings the demo's cluster is installed with.
    public static let settings = ClusterSettings(namespace: "agents")
    public static let context = "flightdeck-demo"
    /// The simulated agents' image (the simulated node runs it as a simulated agent).
    public static let simulatedImage = "ghcr.io/flightdeck/sim-agent:1"

    public let api: KubeAPI
    public let store: HistoryStore
    public let feed: DemoFeed
    /// The simulated API server, for the cockpit's title.
    public let server: String
    /// The local nats-server's port, when the trace goes over NATS.
    public let natsPort: Int?
    /// The bus keys the local nats-server trusts, and where they are kept: each agent gets its
    /// own NATS user at submit, the cockpit one of its own, as against a real install.
    public let bus: BusIdentity?
    /// `settings` as the tools see them: the bus keys, and the local NATS to tell revocations.
    public let toolSettings: ClusterSettings
    /// Real agents on the agent runtime (else simulated ones).
    public let realAgents: Bool
    public let tasks: [AgentTask]

    public init(api: KubeAPI, store: HistoryStore, feed: DemoFeed, server: String, natsPort: Int?, bus: BusIdentity? = nil,
        realAgents: Bool, agents: Int, seed: UInt64, speed: Double)
    {
        self.api = api
        self.store = store
        self.feed = feed
        self.server = server
        self.natsPort = natsPort
        self.bus = bus
        var toolSettings = Self.settings
        if case .keys(_, let path)? = bus?.source { toolSettings.natsKeysPath = path }
        toolSettings.natsURL = natsPort.map { "nats://127.0.0.1:\($0)" }
        self.toolSettings = toolSettings
        self.realAgents = realAgents
        tasks = realAgents ? DemoScenario.runtimeTasks(count: agents, seed: seed, stepDelay: 1.5 / speed)
            : DemoScenario.tasks(count: agents, seed: seed, image: Self.simulatedImage)
    }

    /// The first lines: which Kubernetes version the simulated cluster serves where (and how
    /// kubectl reaches it), how the trace travels, which agents run.
    public static func introduction(version: String, server: String, kubeconfig: String, natsURL: String?, python: String?)
        -> [String]
    {
        [
            "simulated k3s \(version) at \(server); kubectl: export KUBECONFIG=\(kubeconfig)",
            natsURL.map { "trace over NATS JetStream at \($0)" } ?? "trace over pod logs (nats-server is not installed)",
            python.map { "agents: real LangGraph agents (flightdeck-agent with a scripted model) as local processes, \($0)" }
                ?? "agents: simulated (the agent runtime is not installed: script/bootstrap prepares it)",
        ]
    }

    /// Applies Flightdeck's bundle to the demo's cluster.
    public func install() async throws {
        try await ClusterBootstrap.apply(Self.settings, authorization: bus?.authorization ?? .insecure, api: api) { _ in }
        feed.say("installed: namespace agents (PodSecurity restricted), RBAC, NetworkPolicies, egress proxy, NATS")
    }

    /// The history's keeper for the demo: every record from the start.
    public func keeper() async -> HistoryKeeper {
        await HistoryKeeper.opening(store: store, api: api, options: .init(
            namespace: Self.settings.namespace, context: Self.context,
            nats: natsPort.map {
                NATSConnection.Options(servers: [NATSServerAddress(host: "127.0.0.1", port: $0)],
                    credentials: bus?.proof(name: "flightdeck demo"), name: "flightdeck demo")
            },
            durableName: "flightdeck-demo", trace: TraceSettings(startFrom: .all)))
    }

    /// What the cockpit's form fills in: the demo's kind of agent unless another image is named.
    public var config: ManifestConfig {
        var defaults = TaskTemplate()
        defaults.image = realAgents ? TaskTemplate.defaultImage : Self.simulatedImage
        if realAgents { defaults.environment = ["AGENT_MODEL": "scripted:demo"] }
        return ManifestConfig(settings: toolSettings, taskDefaults: defaults, trace: TraceSettings(startFrom: .all))
    }

    /// The cockpit on the demo: the tasks are submitted (and recorded as `flightdeck submit`
    /// records them, so that `R` can retry a failed one) while it opens. Returns the signal
    /// that ended it, if one did.
    public func runCockpit(theme: String, mouse: Bool, quitAfter: Double?) async throws -> Int32? {
        let (tasks, api, store, settings) = (tasks, api, store, toolSettings)
        let cluster = CockpitCluster(api: api, keeper: await keeper(), namespace: Self.settings.namespace, context: Self.context,
            server: server, config: config)
        return try await CockpitSession.open(cluster: cluster, store: store, readOnly: false, theme: theme, mouse: mouse,
            quitAfter: quitAfter, whileOpen: {
                for task in tasks where !Task.isCancelled {
                    _ = try? await TaskSubmission.submit(task, secretFilePaths: [:], api: api, context: Self.context,
                        settings: settings, queues: QueueConfiguration(), store: store)
                }
            }) { name in
            throw OperatorError("the demo runs on its own simulated cluster: quit it and run `flightdeck --context \(name)`")
        }
    }

    /// The plain live feed until `stop` returns: job states as the reconciler records them
    /// and the agents' trace lines as history commits them, while the tasks are submitted.
    public func runPlain(until stop: @escaping @Sendable () async -> Void) async {
        let keeper = await keeper()
        let (feed, store, api, tasks, bus, settings) = (feed, store, api, tasks, bus, toolSettings)
        let titles = Dictionary(uniqueKeysWithValues: tasks.map { (TaskManifests.jobName($0), $0.title ?? "") })
        let (jobUpdates, jobUpdate) = AsyncStream<Reconciler.Update>.makeStream()
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await keeper.run { event in
                    switch event {
                    case .reconciler(let update): jobUpdate.yield(update)
                    case .note(let text): feed.say(text)
                    case .store(let failure?): feed.say("history store: \(failure); retrying")
                    case .nats, .store(nil), .admission: break
                    }
                }
                return false
            }
            group.addTask {
                await feed.jobs(jobUpdates, titles: titles)
                return false
            }
            group.addTask {
                await feed.records(keeper.feed, store: store)
                return false
            }
            group.addTask {
                for task in tasks where !Task.isCancelled {
                    do {
                        _ = try await Submitter(api: api).submit(SubmitPlan(task: task, settings: Self.settings,
                            natsCredentials: bus?.jobCredentials(task)?.fileText))
                        await TaskSubmission.prepareCommandQueue(forJob: TaskManifests.jobID(task), settings: settings)
                        feed.say("submitted \(TaskManifests.jobName(task)): \(task.prompt)")
                    } catch {
                        feed.say("could not submit \(TaskManifests.jobName(task)): \(error)")
                    }
                }
                return false
            }
            group.addTask {
                await stop()
                return true
            }
            while let stopped = await group.next(), !stopped {}
            group.cancelAll()
        }
        jobUpdate.finish()
        try? await keeper.closed()
    }
}
