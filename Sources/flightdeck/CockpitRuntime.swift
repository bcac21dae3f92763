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
final class CockpitRuntime: @unchecked Sendable {
    struct Environment {
        var session: TerminalSession
        var keeper: HistoryKeeper
        var store: HistoryStore
        var api: KubeAPI
        var namespace: String
        var context: String
        var cluster: String
        var settings: ClusterSettings
        var readOnly: Bool
        var themes: ThemeCatalog
        var themeName: String
    }

    private let env: Environment
    private let loop: CockpitLoop

    init(_ env: Environment) {
        self.env = env
        loop = CockpitLoop(session: env.session)
    }

    func send(_ message: CockpitMessage) { loop.send(message) }

    /// Runs until the operator quits (or a termination signal arrives).
    func run() async {
        let session = env.session
        let size = session.size
        let (theme, themeError) = env.themes.resolve(env.themeName)
        var state = CockpitState(width: size.width, height: size.height, now: Date(), theme: theme,
            glyphs: session.capabilities.isUTF8 ? .unicode : .ascii)
        if let themeError { _ = Cockpit.update(&state, .themeFailed(themeError.description)) }
        let commands = env.keeper.nats.map { NATSCommandChannel(connection: $0) as any CommandChannel }
        let actions = AgentActions(api: env.api, namespace: env.namespace, readOnly: env.readOnly, commands: commands)

        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.env.keeper.run { self.keeperEvent($0) } }
            group.addTask {
                for await update in self.env.keeper.feed.updates() {
                    if !update.records.isEmpty { self.send(.traceAppended(update.records)) }
                    if !update.jobsChanged.isEmpty || !update.missed.isEmpty { self.listJobs() }
                }
            }
            group.addTask {
                let capabilities = await Capabilities.probe(api: self.env.api, namespace: self.env.namespace,
                    readOnly: self.env.readOnly, hasCommandChannel: commands != nil)
                var allowed = Set(JobIntentKind.allCases)
                for action in capabilities.unavailable.keys {
                    if let kind = JobIntentKind(rawValue: action.rawValue) { allowed.remove(kind) }
                }
                self.send(.capabilitiesLoaded(allowed: allowed, readOnly: self.env.readOnly))
            }
            group.addTask { await Signals.waitForTermination(); self.loop.quit() }
            send(.contextInfo(context: env.context, cluster: env.cluster))
            send(.connectionChanged(ConnectionStatus(api: .connected, nats: env.keeper.nats == nil ? .notConfigured : .reconnecting(retryAt: Date()))))
            listJobs()
            await loop.run(state) { self.perform($0, actions: actions) }
            group.cancelAll()
        }
        try? env.keeper.close()
    }

    // MARK: - Sources

    private func keeperEvent(_ event: HistoryKeeper.Event) {
        switch event {
        case .reconciler(.connection(.connected)):
            send(.connectionChanged(ConnectionStatus(api: .connected, nats: natsLink)))
        case .reconciler(.connection(.retrying(let at, let reason))):
            apiLink.withLock { $0 = .reconnecting(retryAt: at) }
            _ = reason
            send(.connectionChanged(ConnectionStatus(api: .reconnecting(retryAt: at), nats: natsLink)))
        case .nats(let state):
            let link: LinkState
            switch state {
            case .connected: link = .connected
            case .reconnecting(_, let retryAt): link = .reconnecting(retryAt: retryAt)
            case .connecting: link = .reconnecting(retryAt: Date())
            case .closed: link = .down(reason: "closed")
            }
            natsState.withLock { $0 = link }
            send(.connectionChanged(ConnectionStatus(api: apiLink.withLock { $0 }, nats: link)))
        case .note(let text):
            send(.actionFinished(text))
        default:
            break
        }
    }

    private let natsState = Mutex<LinkState>(.notConfigured)
    private let apiLink = Mutex<LinkState>(.connected)
    private var natsLink: LinkState { natsState.withLock { $0 } }

    private func listJobs() {
        if let jobs = try? env.store.jobs(JobQuery(limit: 2_000)) { send(.jobsListed(jobs)) }
    }

    // MARK: - Effects

    private func perform(_ effect: CockpitEffect, actions: AgentActions) {
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
            Task.detached { await self.carryOut(intent, actions: actions) }
        case .submit(let draft):
            Task.detached { await self.submit(draft) }
        case .switchContext(let name):
            send(.actionFailed("switching cluster needs a restart: flightdeck --context \(name)"))
        case .loadTheme(let name):
            switch env.themes.theme(named: name) {
            case .success(let theme): send(.themeLoaded(theme))
            case .failure(let error): send(.themeFailed(error.description))
            }
        case .quit:
            break
        }
    }

    private func carryOut(_ intent: JobIntent, actions: AgentActions) async {
        let name = intent.jobName
        let jobID = (try? env.store.jobs(JobQuery(limit: 2_000)))?.first { $0.name == name }?.id ?? name
        do {
            switch intent {
            case .delete: try await actions.delete(job: name)
            case .pin: try await actions.pin(job: name)
            case .cancel: try await actions.cancel(job: name, jobID: jobID)
            case .steer(_, let command): try await actions.steer(jobID: jobID, command)
            case .retry:
                send(.actionFailed("retry from the command line: flightdeck jobs retry \(name) (it re-reads the task's secret files)"))
                return
            }
            send(.actionFinished("\(intent.kind.rawValue) \(name): done"))
        } catch {
            send(.actionFailed("\(intent.kind.rawValue) \(name): \(error)"))
        }
    }

    private func submit(_ draft: TaskDraft) async {
        guard !env.readOnly else { return send(.actionFailed("read-only: submitting is refused")) }
        let task = AgentTask(uuid: UUID().uuidString.lowercased(), image: draft.image.isEmpty ? "sim-agent" : draft.image,
            prompt: draft.prompt, repoURL: draft.repoURL.isEmpty ? nil : draft.repoURL)
        do {
            let plan = SubmitPlan(task: task, settings: env.settings)
            _ = try await Submitter(api: env.api).submit(plan)
            send(.actionFinished("submitted \(plan.jobName)"))
        } catch {
            send(.actionFailed("submit: \(error)"))
        }
    }

    // MARK: - Workspace

    /// The workspace's host directory when this machine holds its local-path volume.
    private func volumeDirectory(jobID: String) async -> String? {
        guard let job = try? env.store.job(id: jobID), let claim = job.pvc else { return nil }
        guard let pvc = try? await env.api.get(.persistentVolumeClaims, namespace: env.namespace, name: claim),
            let volume = pvc[path: ["spec", "volumeName"]]?.stringValue,
            let pv = try? await env.api.get(.persistentVolumes, namespace: nil, name: volume)
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
            send(.workspaceListed(jobID: jobID, listing: WorkspaceListing(entries: [], source: .events(asOf: .distantPast))))
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
