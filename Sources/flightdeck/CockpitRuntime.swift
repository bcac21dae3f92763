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
final class CockpitRuntime: @unchecked Sendable {
    /// One cluster's worth: what `:ctx` swaps.
    struct Cluster: Sendable {
        var api: KubeAPI
        var keeper: HistoryKeeper
        var namespace: String
        var context: String
        var server: String
        var config: ManifestConfig
    }

    struct Environment: Sendable {
        var session: TerminalSession
        var store: HistoryStore
        var cluster: Cluster
        var readOnly: Bool
        var themes: ThemeCatalog
        var themeName: String
        /// Opens another kubeconfig context (`:ctx NAME`); throws a one-line reason.
        var connect: @Sendable (String) async throws -> Cluster
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

    init(_ env: Environment) {
        self.env = env
        loop = CockpitLoop(session: env.session)
    }

    func send(_ message: CockpitMessage) { loop.send(message) }

    /// Runs until the operator quits, or a termination signal arrives: then returns that
    /// signal, once history is committed (the caller exits with 128 + it).
    func run() async -> Int32? {
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
        if let jobs = try? env.store.jobs(query) { send(.jobsListed(jobs)) }
    }

    // MARK: - Effects

    private func perform(_ effect: CockpitEffect) {
        let store = env.store
        switch effect {
        case .loadTrace(let jobID, let range):
            Task.detached {
                let records = (try? store.trace(jobID: jobID, seq: range)) ?? []
                self.send(.tracePageLoaded(jobID: jobID, records: records, total: (try? store.traceCount(jobID: jobID)) ?? 0))
            }
        case .loadTraceTail(let jobID, let count):
            Task.detached {
                let records = (try? store.traceTail(jobID: jobID, limit: count)) ?? []
                self.send(.tracePageLoaded(jobID: jobID, records: records, total: (try? store.traceCount(jobID: jobID)) ?? 0))
            }
        case .searchTrace(let jobID, let query, let from, let forward):
            Task.detached {
                do {
                    let seq = try store.traceSearch(jobID: jobID, query: query, from: from, forward: forward)
                    self.send(.traceSearchResult(jobID: jobID, query: query, seq: seq))
                } catch {
                    self.send(.actionFailed("search: \(error)"))
                }
            }
        case .loadTimeline(let jobIDs):
            Task.detached {
                for jobID in jobIDs {
                    self.send(.timelineLoaded(jobID: jobID, spans: (try? store.phaseSpans(jobID: jobID)) ?? [],
                        markers: (try? store.markers(jobID: jobID)) ?? []))
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

    private func carryOut(_ intent: JobIntent) async {
        guard let attached = current else { return }
        let name = intent.jobName
        let job = (try? env.store.jobs(JobQuery(namespace: attached.cluster.namespace, context: attached.cluster.context,
            limit: 2_000)))?.first { $0.name == name }
        let jobID = job?.id ?? name
        do {
            switch intent {
            case .delete: try await attached.actions.delete(job: name)
            case .pin: try await attached.actions.pin(job: name)
            case .cancel: try await attached.actions.cancel(job: name, jobID: jobID)
            case .steer(_, let command): try await attached.actions.steer(jobID: jobID, command)
            case .retry:
                guard let job else { throw CLIFailure("history has no job \(name)") }
                let started = try await TaskSubmission.retry(job, prompt: nil, api: attached.cluster.api,
                    context: attached.cluster.context, settings: attached.cluster.config.settings, store: env.store)
                return send(.actionFinished("retry \(name): started \(started), restoring its workspace"))
            }
            send(.actionFinished("\(intent.kind.rawValue) \(name): done"))
        } catch {
            send(.actionFailed("\(intent.kind.rawValue) \(name): \(error)"))
        }
    }

    /// The form's task, built as `flightdeck submit` builds one: the config's defaults, then
    /// the template file, then the fields.
    private func submit(_ draft: TaskDraft) async {
        guard !env.readOnly else { return send(.actionFailed("read-only: submitting is refused")) }
        guard let attached = current else { return }
        do {
            var arguments = ["--prompt", draft.prompt]
            if !draft.image.isEmpty { arguments += ["--image", draft.image] }
            if !draft.repoURL.isEmpty { arguments += ["--repo-url", draft.repoURL] }
            if !draft.templatePath.isEmpty { arguments += ["--template", draft.templatePath] }
            let options = try TaskOptions.parse(arguments)
            let built = try options.buildWithPaths(config: attached.cluster.config)
            _ = try await TaskSubmission.submit(built.task, secretFilePaths: built.secretFilePaths, api: attached.cluster.api,
                context: attached.cluster.context, settings: attached.cluster.config.settings, store: env.store)
            send(.actionFinished("submitted \(TaskManifests.jobName(built.task))"))
        } catch let error as CLIFailure {
            send(.actionFailed("submit: \(error.message)"))
        } catch {
            send(.actionFailed("submit: \(TaskOptions.message(for: error))"))
        }
    }

    // MARK: - Workspace

    /// The workspace's host directory when this machine holds its local-path volume.
    private func volumeDirectory(jobID: String) async -> String? {
        guard let api = current?.cluster.api, let job = try? env.store.job(id: jobID), let claim = job.pvc else { return nil }
        guard let pvc = try? await api.get(.persistentVolumeClaims, namespace: job.namespace, name: claim),
            let volume = pvc[path: ["spec", "volumeName"]]?.stringValue,
            let pv = try? await api.get(.persistentVolumes, namespace: nil, name: volume)
        else { return nil }
        let path = pv[path: ["spec", "local", "path"]]?.stringValue ?? pv[path: ["spec", "hostPath", "path"]]?.stringValue
        var isDirectory: ObjCBool = false
        guard let path, FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue
        else { return nil }
        return path
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
