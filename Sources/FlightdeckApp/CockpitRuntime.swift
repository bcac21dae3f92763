import AgentManifests
import CockpitUI
import FlightdeckCore
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
    public struct Cluster: Sendable {
        public var api: KubeAPI
        public var keeper: HistoryKeeper
        public var namespace: String
        public var context: String
        public var server: String
        public var config: ManifestConfig

        public init(api: KubeAPI, keeper: HistoryKeeper, namespace: String, context: String, server: String,
            config: ManifestConfig)
        {
            self.api = api
            self.keeper = keeper
            self.namespace = namespace
            self.context = context
            self.server = server
            self.config = config
        }
    }

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

    private struct Attachment: Sendable {
        var cluster: Cluster
        var actions: AgentActions
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
        let (theme, themeError) = env.themes.resolve(env.themeName)
        var state = CockpitState(width: size.width, height: size.height, now: Date(), theme: theme,
            glyphs: session.capabilities.isUTF8 ? .unicode : .ascii)
        if let themeError { _ = Cockpit.update(&state, .themeFailed(themeError.description)) }

        // (SIGINT, SIGTERM, SIGHUP and SIGQUIT reach the loop from the terminal session as
        // `.terminated`, after it has given the terminal back.)
        attach(env.cluster)
        await loop.run(state) { self.perform($0) }
        await detach()
        return loop.endedBySignal
    }

    // MARK: - The cluster

    private var current: Attachment? { attachment.withLock { $0 } }

    /// Starts keeping history for `cluster` and shows its jobs.
    private func attach(_ cluster: Cluster) {
        let commands = cluster.keeper.nats.map { NATSCommandChannel(connection: $0) as any CommandChannel }
        let actions = AgentActions(api: cluster.api, namespace: cluster.namespace, readOnly: env.readOnly, commands: commands)
        links.withLock {
            $0 = ConnectionStatus(api: .connected, nats: cluster.keeper.nats == nil ? .notConfigured : .reconnecting(retryAt: Date()))
        }
        let task = Task {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await cluster.keeper.run { self.keeperEvent($0) } }
                group.addTask {
                    for await update in cluster.keeper.feed.updates() {
                        if !update.records.isEmpty { self.send(.traceAppended(update.records)) }
                        if !update.jobsChanged.isEmpty || !update.missed.isEmpty { self.listJobs() }
                    }
                }
                group.addTask {
                    let capabilities = await Capabilities.probe(api: cluster.api, namespace: cluster.namespace,
                        readOnly: self.env.readOnly, hasCommandChannel: commands != nil)
                    var allowed = Set(JobIntentKind.allCases)
                    for action in capabilities.unavailable.keys {
                        if let kind = JobIntentKind(rawValue: action.rawValue) { allowed.remove(kind) }
                    }
                    self.send(.capabilitiesLoaded(allowed: allowed, readOnly: self.env.readOnly))
                }
            }
        }
        attachment.withLock { $0 = Attachment(cluster: cluster, actions: actions, task: task) }
        send(.contextInfo(context: cluster.context, cluster: cluster.server))
        updateLinks { $0.api = .connected }
        listJobs()
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

    /// The current context's jobs, from history (deleted ones included).
    private func listJobs() {
        guard let cluster = current?.cluster else { return }
        let query = JobQuery(namespace: cluster.namespace, context: cluster.context, limit: 2_000)
        read("jobs") { store in .jobsListed(try store.jobs(query)) }
    }

    // MARK: - Effects

    private func perform(_ effect: CockpitEffect) {
        switch effect {
        case .loadTrace(let jobID, let range):
            read("trace") { store in
                .tracePageLoaded(jobID: jobID, records: try store.trace(jobID: jobID, seq: range),
                    total: try store.traceCount(jobID: jobID))
            }
        case .loadTraceTail(let jobID, let count):
            read("trace") { store in
                .tracePageLoaded(jobID: jobID, records: try store.traceTail(jobID: jobID, limit: count),
                    total: try store.traceCount(jobID: jobID))
            }
        case .searchTrace(let jobID, let query, let from, let forward):
            read("search") { store in
                .traceSearchResult(jobID: jobID, query: query,
                    seq: try store.traceSearch(jobID: jobID, query: query, from: from, forward: forward))
            }
        case .loadTimeline(let jobIDs):
            for jobID in jobIDs {
                read("timeline") { store in
                    .timelineLoaded(jobID: jobID, spans: try store.phaseSpans(jobID: jobID), markers: try store.markers(jobID: jobID))
                }
            }
        case .loadWorkspace(let jobID):
            Task.detached { await self.loadWorkspace(jobID) }
        case .loadFilePreview(let jobID, let path):
            Task.detached { await self.loadPreview(jobID: jobID, path: path) }
        case .perform(let intent):
            Task.detached { await self.carryOut(intent) }
        case .submit(let draft):
            Task.detached { await self.submit(draft) }
        case .switchContext(let name):
            Task.detached { await self.switchContext(to: name) }
        case .loadTheme(let name):
            switch env.themes.theme(named: name) {
            case .success(let theme): send(.themeLoaded(theme))
            case .failure(let error): send(.themeFailed(error.description))
            }
        case .quit:
            break
        }
    }

    /// A read of the history for the cockpit, off the cooperative pool; a store that cannot
    /// be read says so in the status bar (not an empty page that looks like no data).
    private func read(_ what: String, _ body: @escaping @Sendable (HistoryStore) throws -> CockpitMessage) {
        let store = env.store
        Task.detached {
            do {
                self.send(try await store.reading(body))
            } catch {
                self.send(.actionFailed("\(what): \(error)"))
            }
        }
    }

    private func carryOut(_ intent: JobIntent) async {
        guard let attached = current else { return }
        let name = intent.jobName
        let query = JobQuery(namespace: attached.cluster.namespace, context: attached.cluster.context, name: name, limit: 1)
        let job: AgentJob?
        do {
            job = try await env.store.reading { try $0.jobs(query) }.first
        } catch {
            return send(.actionFailed("\(intent.kind.rawValue) \(name): \(error)"))
        }
        let jobID = job?.id ?? name
        do {
            switch intent {
            case .delete: try await attached.actions.delete(job: name)
            case .pin: try await attached.actions.pin(job: name)
            case .cancel: try await attached.actions.cancel(job: name, jobID: jobID)
            case .steer(_, let command): try await attached.actions.steer(jobID: jobID, command)
            case .retry:
                guard let job else { throw OperatorError("history has no job \(name)") }
                let started = try await TaskSubmission.retry(job, prompt: nil, api: attached.cluster.api,
                    context: attached.cluster.context, settings: attached.cluster.config.settings, store: env.store)
                return send(.actionFinished("retry \(name): started \(started), restoring its workspace"))
            }
            send(.actionFinished("\(intent.kind.rawValue) \(name): done"))
        } catch {
            send(.actionFailed("\(intent.kind.rawValue) \(name): \(error)"))
        }
    }

    /// The form's fields as the typed request `flightdeck submit` makes from its flags: empty
    /// fields say nothing (the config's defaults or the template's apply).
    static func request(for draft: TaskDraft) -> TaskRequest {
        func given(_ text: String) -> String? { text.isEmpty ? nil : text }
        return TaskRequest(prompt: draft.prompt, image: given(draft.image), repoURL: given(draft.repoURL),
            template: given(draft.templatePath))
    }

    /// The form's task, built as `flightdeck submit` builds one: the config's defaults, then
    /// the template file, then the fields.
    private func submit(_ draft: TaskDraft) async {
        guard !env.readOnly else { return send(.actionFailed("read-only: submitting is refused")) }
        guard let attached = current else { return }
        do {
            let built = try Self.request(for: draft).build(config: attached.cluster.config)
            _ = try await TaskSubmission.submit(built.task, secretFilePaths: built.secretFilePaths, api: attached.cluster.api,
                context: attached.cluster.context, settings: attached.cluster.config.settings, store: env.store)
            send(.actionFinished("submitted \(TaskManifests.jobName(built.task))"))
        } catch {
            send(.actionFailed("submit: \(error)"))
        }
    }

    // MARK: - Workspace

    /// The workspace's host directory when this machine holds its local-path volume.
    private func volumeDirectory(jobID: String) async -> String? {
        guard let api = current?.cluster.api else { return nil }
        return await WorkspaceLocator(api: api, store: env.store).hostDirectory(jobID: jobID)
    }

    private func loadWorkspace(_ jobID: String) async {
        if let root = await volumeDirectory(jobID: jobID) {
            let entries = WorkspaceScan.entries(root: root, limit: 5_000)
            let checkpoint = entries.first { $0.path.hasPrefix("checkpoints/") && $0.path.hasSuffix(".db") }
            send(.workspaceListed(jobID: jobID, listing: WorkspaceListing(entries: entries, source: .volume,
                checkpoint: checkpoint.map { .init(size: $0.size, modified: $0.modified) })))
        } else if let snapshot = try? env.store.workspaceSnapshot(jobID: jobID) {
            let checkpoint = snapshot.entries.first { $0.path.hasPrefix("checkpoints/") && $0.path.hasSuffix(".db") }
            send(.workspaceListed(jobID: jobID, listing: WorkspaceListing(entries: snapshot.entries,
                source: .events(asOf: snapshot.asOf), checkpoint: checkpoint.map { .init(size: $0.size, modified: $0.modified) })))
        } else {
            send(.workspaceListed(jobID: jobID, listing: WorkspaceListing(entries: [], source: .nothingSeen)))
        }
    }

    private func loadPreview(jobID: String, path: String) async {
        guard let root = await volumeDirectory(jobID: jobID) else {
            return send(.filePreviewLoaded(jobID: jobID, path: path, text: "(not on this node: no preview)", truncated: false))
        }
        let (text, truncated) = WorkspaceScan.preview(root: root, relativePath: path, limit: 16_384)
        send(.filePreviewLoaded(jobID: jobID, path: path, text: text, truncated: truncated))
    }
}
