import AgentManifests
import CockpitUI
import FlightdeckCore
import FlowControl
import Foundation
import HistoryStore
import KubeClient
import KubeModel
import NATSClient
import Orchestrator
import Synchronization
import TerminalIO

/// Runs the cockpit: a `CockpitLoop` on the terminal, fed the history's live feed, the
/// connection states and the effects' results. Effects are carried out here, against the
/// history store and the orchestrator — the UI itself never touches either.
///
/// Everything tied to one cluster (API client, history keeper, actions) is an `Attachment`
/// that `:ctx NAME` replaces while the terminal, the history store and the UI stay.
public final class CockpitRuntime: @unchecked Sendable {
    /// One cluster's worth: what `:ctx` swaps.
    public typealias Cluster = CockpitCluster

    public struct Environment: Sendable {
        public var session: TerminalSession
        public var store: HistoryStore
        public var cluster: Cluster
        public var readOnly: Bool
        public var themes: ThemeCatalog
        public var themeName: String
        /// Opens another kubeconfig context (`:ctx NAME`); throws a one-line reason.
        public var connect: @Sendable (String) async throws -> Cluster

        public init(session: TerminalSession, store: HistoryStore, cluster: Cluster, readOnly: Bool, themes: ThemeCatalog,
            themeName: String, connect: @escaping @Sendable (String) async throws -> Cluster)
        {
            self.session = session
            self.store = store
            self.cluster = cluster
            self.readOnly = readOnly
            self.themes = themes
            self.themeName = themeName
            self.connect = connect
        }
    }

    /// The current cluster: its history keeper, sources and cluster effects run in `task`,
    /// which `:ctx` cancels (and waits for) before attaching the next.
    private struct Attachment: Sendable {
        var cluster: Cluster
        var effects: CockpitEffects
        /// Where this cluster's effects are queued; they run as children of `task`.
        var queue: BoundedChannel<CockpitEffect, Never>.Sender
        var task: Task<Void, Never>
    }

    private let env: Environment
    private let loop: CockpitLoop
    private let attachment = Mutex<Attachment?>(nil)
    /// The links and the store's health, as last sent to the cockpit.
    private let links = Mutex(ConnectionStatus(api: .connected))

    public init(_ env: Environment) {
        self.env = env
        loop = CockpitLoop(session: env.session)
    }

    public func send(_ message: CockpitMessage) { loop.send(message) }

    /// Runs until the operator quits, or a termination signal arrives: then returns that
    /// signal, once history is committed (the caller exits with 128 + it).
    public func run() async -> Int32? {
        let session = env.session
        let size = session.size
        // The theme is parsed while history is read for the first frame.
        let (themes, themeName) = (env.themes, env.themeName)
        async let resolved = themes.resolve(themeName)
        var state = CockpitState(width: size.width, height: size.height, now: Date(),
            glyphs: session.capabilities.isUTF8 ? .unicode : .ascii)

        // (SIGINT, SIGTERM, SIGHUP and SIGQUIT reach the loop from the terminal session as
        // `.terminated`, after it has given the terminal back.)
        //
        // Every effect runs as a child task of the runtime: history reads in this group,
        // cluster effects in the attachment's (so that `:ctx` cancels them with the cluster),
        // `:ctx` itself here, one at a time, in the order asked.
        let (effects, effect) = BoundedChannel<CockpitEffect, Never>.make(highWater: Self.effectsQueued)
        // The first frame is whole when history answers quickly: the newest jobs, the first
        // one's trace and lanes, read before the loop draws. (The live feed is subscribed to
        // first, so that nothing committed meanwhile falls between.)
        let updates = env.cluster.keeper.feed.updates()
        let warm = await Self.warmStart(state, store: env.store, query: CockpitEffects.jobQuery(env.cluster),
            prices: env.cluster.config.prices)
        if let warm {
            state = warm.state
            for next in warm.effects { _ = effect.offer(next) }
        }
        let (theme, themeError) = await resolved
        state = state.styled(theme)
        if let themeError { _ = Cockpit.update(&state, .themeFailed(themeError.description)) }
        let initial = state
        await withDiscardingTaskGroup { group in
            group.addTask {
                await self.loop.run(initial) { _ = effect.offer($0) }
                effect.finish()
            }
            attach(env.cluster, updates: updates, shown: warm?.first)
            for await next in effects {
                switch CockpitEffects.scope(of: next) {
                case .history:
                    guard let performer = current?.effects else { continue }
                    group.addTask { await performer.perform(next) }
                case .cluster:
                    _ = current?.queue.offer(next)
                case .runtime:
                    await perform(next)
                }
            }
            await detach()
        }
        return loop.endedBySignal
    }

    /// Effects asked for and not yet started: far more than keys can ask for between frames.
    static let effectsQueued = 1_024

    /// How long the first frame waits for history before it is drawn without it.
    static let warmStartLimit: Duration = .milliseconds(150)

    /// `CockpitEffects.warmStart` off the cooperative pool, or nil when history has not
    /// answered within `warmStartLimit` (or failed: the listing then says why).
    private static func warmStart(_ state: CockpitState, store: HistoryStore, query: JobQuery, prices: PriceTable) async
        -> (state: CockpitState, first: CockpitMessage, effects: [CockpitEffect])?
    {
        typealias Warm = (state: CockpitState, first: CockpitMessage, effects: [CockpitEffect])
        // Whichever comes first: history's answer, or the limit.
        let (answers, answer) = AsyncStream<Warm?>.makeStream(bufferingPolicy: .bufferingOldest(1))
        Task { answer.yield(try? await store.reading {
            try CockpitEffects.warmStart(state, query: query, store: $0, prices: prices)
        }) }
        Task {
            try? await Task.sleep(for: warmStartLimit)
            answer.yield(nil)
        }
        for await first in answers { return first }
        return nil
    }

    private func perform(_ effect: CockpitEffect) async {
        switch effect {
        case .switchContext(let name):
            await switchContext(to: name)
        case .loadTheme(let name):
            switch env.themes.theme(named: name) {
            case .success(let theme): send(.themeLoaded(theme))
            case .failure(let error): send(.themeFailed(error.description))
            }
        default:
            break
        }
    }

    // MARK: - The cluster

    private var current: Attachment? { attachment.withLock { $0 } }

    /// Starts keeping history for `cluster` and shows its jobs; `updates`, when the live
    /// feed was subscribed to already, and `shown`, the start of the job list when it is on
    /// screen already.
    private func attach(_ cluster: Cluster, updates: LiveFeed.Updates? = nil, shown: CockpitMessage? = nil) {
        let commands = cluster.keeper.nats.map { NATSCommandChannel(connection: $0) as any CommandChannel }
        let actions = AgentActions(api: cluster.api, namespace: cluster.namespace, readOnly: env.readOnly, commands: commands)
        let performer = CockpitEffects(store: env.store, cluster: cluster, actions: actions, readOnly: env.readOnly) {
            self.send($0)
        }
        links.withLock {
            $0 = ConnectionStatus(api: .connected, nats: cluster.keeper.nats == nil ? .notConfigured : .reconnecting(retryAt: Date()))
        }
        let (queued, queue) = BoundedChannel<CockpitEffect, Never>.make(highWater: Self.effectsQueued)
        let readOnly = env.readOnly
        let task = Task {
            await withDiscardingTaskGroup { group in
                group.addTask { await cluster.keeper.run { self.keeperEvent($0) } }
                // The job list, then its changes, read in turn by one task: a change is never
                // overtaken by an older snapshot. (Subscribed first: nothing falls between.)
                let updates = updates ?? cluster.keeper.feed.updates()
                group.addTask {
                    await performer.startListing(shown: shown)
                    for await update in updates {
                        if !update.records.isEmpty { self.send(.traceAppended(update.records)) }
                        if !update.missed.isEmpty {
                            await performer.listJobs()
                        } else if !update.jobsChanged.isEmpty {
                            await performer.refreshJobs(update.jobsChanged)
                        }
                    }
                }
                group.addTask {
                    let capabilities = await Capabilities.probe(api: cluster.api, namespace: cluster.namespace,
                        readOnly: readOnly, hasCommandChannel: commands != nil)
                    var allowed = Set(JobIntentKind.allCases)
                    for action in capabilities.unavailable.keys {
                        if let kind = JobIntentKind(rawValue: action.rawValue) { allowed.remove(kind) }
                    }
                    // Changing a queued Job is a patch on batch/jobs: what pin needs, and nothing more.
                    if !capabilities.allows(.pin) { allowed.subtract(JobIntentKind.queueChanges) }
                    self.send(.capabilitiesLoaded(allowed: allowed, readOnly: readOnly))
                }
                group.addTask {
                    // The queues to move a job to, and whether Kueue (not Flightdeck) admits:
                    // a cluster that cannot be asked counts as not running Kueue.
                    let queues = cluster.config.queues
                    let kueue = (try? await KueueDiscovery.mode(queues, api: cluster.api)) == .kueue
                    self.send(.queuesLoaded(names: queues.isConfigured ? queues.queues.map(\.name) : [],
                        default: queues.defaultQueueName, kueue: kueue))
                }
                // Until `:ctx` (or quitting) cancels this task: then every child is cancelled.
                for await effect in queued {
                    group.addTask { await performer.perform(effect) }
                }
            }
        }
        attachment.withLock { $0 = Attachment(cluster: cluster, effects: performer, queue: queue, task: task) }
        send(.contextInfo(context: cluster.context, cluster: cluster.server))
        updateLinks { $0.api = .connected }
    }

    /// Stops keeping history for the current cluster; what was queued is committed.
    private func detach() async {
        guard let old = attachment.withLock({ current in defer { current = nil }; return current }) else { return }
        old.task.cancel()
        await old.task.value
        try? await old.cluster.keeper.closed()
    }

    private func switchContext(to name: String) async {
        guard name != current?.cluster.context else { return send(.actionFinished("already on context \(name)")) }
        let cluster: Cluster
        do {
            cluster = try await env.connect(name)
        } catch {
            return send(.actionFailed("context \(name): \(error)"))  // the current cluster stays
        }
        await detach()
        attach(cluster)
        send(.actionFinished("context \(name): \(cluster.server), namespace \(cluster.namespace)"))
    }

    // MARK: - Sources

    private func keeperEvent(_ event: HistoryKeeper.Event) {
        switch event {
        case .reconciler(.connection(.connected)):
            updateLinks { $0.api = .connected }
        case .reconciler(.connection(.retrying(let at, _))):
            updateLinks { $0.api = .reconnecting(retryAt: at) }
        case .nats(let state):
            let link: LinkState
            switch state {
            case .connected: link = .connected
            case .reconnecting(_, let retryAt): link = .reconnecting(retryAt: retryAt)
            case .connecting: link = .reconnecting(retryAt: Date())
            case .closed: link = .down(reason: "closed")
            }
            updateLinks { $0.nats = link }
        case .note(let text):
            send(.actionFinished(text))
        case .store(let failure):
            updateLinks { $0.storeFailure = failure.map { "\($0)" } }
        default:
            break
        }
    }

    private func updateLinks(_ change: (inout ConnectionStatus) -> Void) {
        let status = links.withLock { status in
            change(&status)
            return status
        }
        send(.connectionChanged(status))
    }
}
