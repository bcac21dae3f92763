import AgentManifests
import CockpitUI
import FlightdeckCore
import Foundation
import HistoryStore
import KubeClient
import Orchestrator

/// Carries out the cockpit's effects against the history store and one cluster, and sends
/// back what they found as messages. No terminal here: the runtime decides when and where an
/// effect runs (and cancels it), this says what it does — testable on its own.
///
/// Store reads run off the cooperative pool (`HistoryStore.reading`); a store that cannot be
/// read says so in the status bar rather than showing an empty page that looks like no data.
public struct CockpitEffects: Sendable {
    public let store: HistoryStore
    public let cluster: CockpitCluster
    public let actions: AgentActions
    public let readOnly: Bool
    public let send: @Sendable (CockpitMessage) -> Void

    public init(store: HistoryStore, cluster: CockpitCluster, actions: AgentActions, readOnly: Bool,
        send: @escaping @Sendable (CockpitMessage) -> Void)
    {
        self.store = store
        self.cluster = cluster
        self.actions = actions
        self.readOnly = readOnly
        self.send = send
    }

    /// Whether an effect acts on the cluster (and so is cancelled when `:ctx` leaves it), or
    /// only reads the history, or belongs to the runtime itself.
    public enum Scope: Sendable { case history, cluster, runtime }

    public static func scope(of effect: CockpitEffect) -> Scope {
        switch effect {
        case .loadTrace, .loadTraceTail, .searchTrace, .loadTimeline, .loadUsage: .history
        case .loadWorkspace, .loadFilePreview, .perform, .submit: .cluster
        case .switchContext, .loadTheme, .quit: .runtime
        }
    }

    /// Carries out a history or cluster effect; runtime effects are not this type's.
    public func perform(_ effect: CockpitEffect) async {
        switch effect {
        case .loadTrace, .loadTraceTail, .searchTrace, .loadTimeline, .loadUsage:
            let prices = cluster.config.prices
            await read(Self.historyTopic(effect)) { try Self.historyAnswer(effect, store: $0, prices: prices) }
        case .loadWorkspace(let jobID): await loadWorkspace(jobID)
        case .loadFilePreview(let jobID, let path): await loadPreview(jobID: jobID, path: path)
        case .perform(let intent): await carryOut(intent)
        case .submit(let draft): await submit(draft)
        case .switchContext, .loadTheme, .quit: break
        }
    }

    /// What a history effect finds, as messages (none for an effect that is not one); `prices`
    /// price the jobs' token use.
    public static func historyAnswer(_ effect: CockpitEffect, store: HistoryStore, prices: PriceTable = PriceTable()) throws
        -> [CockpitMessage]
    {
        switch effect {
        case .loadTrace(let jobID, let range):
            [.tracePageLoaded(jobID: jobID, records: try store.trace(jobID: jobID, seq: range),
                total: try store.traceCount(jobID: jobID))]
        case .loadTraceTail(let jobID, let count):
            [.tracePageLoaded(jobID: jobID, records: try store.traceTail(jobID: jobID, limit: count),
                total: try store.traceCount(jobID: jobID))]
        case .searchTrace(let jobID, let query, let from, let forward):
            [.traceSearchResult(jobID: jobID, query: query,
                seq: try store.traceSearch(jobID: jobID, query: query, from: from, forward: forward))]
        case .loadTimeline(let jobIDs):
            try jobIDs.map { jobID in
                .timelineLoaded(jobID: jobID, spans: try store.phaseSpans(jobID: jobID), markers: try store.markers(jobID: jobID))
            }
        case .loadUsage(let jobIDs):
            [.usageLoaded(jobIDs: jobIDs, usage: try JobUsage.read(jobIDs: jobIDs, store: store, prices: prices))]
        default: []
        }
    }

    private static func historyTopic(_ effect: CockpitEffect) -> String {
        switch effect {
        case .searchTrace: "search"
        case .loadTimeline: "timeline"
        case .loadUsage: "usage"
        default: "trace"
        }
    }

    /// The workspace as the agent last listed it in its events, when its volume is not on
    /// this node.
    public static func snapshotListing(jobID: String, store: HistoryStore) throws -> WorkspaceListing {
        guard let snapshot = try store.workspaceSnapshot(jobID: jobID) else {
            return WorkspaceListing(entries: [], source: .nothingSeen)
        }
        let checkpoint = snapshot.entries.first { $0.path.hasPrefix("checkpoints/") && $0.path.hasSuffix(".db") }
        return WorkspaceListing(entries: snapshot.entries, source: .events(asOf: snapshot.asOf),
            checkpoint: checkpoint.map { .init(size: $0.size, modified: $0.modified) })
    }

    /// What the cockpit lists: the cluster's jobs in history (deleted ones included), and the
    /// namespace's jobs that only their own telemetry (OTLP) told of, without their tasks (the
    /// list shows none).
    public static func jobQuery(_ cluster: CockpitCluster) -> JobQuery {
        var query = JobQuery(namespace: cluster.namespace, context: cluster.context, withTask: false)
        query.orNoContext = true
        return query
    }

    /// The start of the job list: the newest page and the count of all (`jobsFirstPage`), or
    /// every job when they fit in a page (`jobsListed`).
    public static func firstListing(_ query: JobQuery, store: HistoryStore) throws -> CockpitMessage {
        var first = query
        first.limit = firstPage
        let page = try store.jobs(first)
        guard page.count == firstPage else { return .jobsListed(page) }
        return .jobsFirstPage(page, total: try store.jobCount(query))
    }

    /// The job list at start: a long history's newest page first, so the first frame need not
    /// wait for the rest, then every job. `shown`, the start when it is on screen already (the
    /// warm start read it), is not read again.
    public func startListing(shown: CockpitMessage? = nil) async {
        var first = shown
        if first == nil {
            let query = Self.jobQuery(cluster)
            do {
                first = try await store.reading { try Self.firstListing(query, store: $0) }
            } catch is CancellationError {
                return
            } catch {
                return send(.actionFailed("jobs: \(error)"))
            }
            send(first!)
        }
        if case .jobsFirstPage = first { await listJobs() }
    }

    /// Every job of the cluster, in one snapshot: what a list already on screen is replaced by
    /// (a first page would drop a selection older than the newest jobs).
    public func listJobs() async {
        let query = Self.jobQuery(cluster)
        await read("jobs") { store in [.jobsListed(try store.jobs(query))] }
    }

    /// The cockpit's state once the job list's start and the history reads that it asks for
    /// (the selected job's trace tail, the lanes) are answered: what a whole first frame needs,
    /// read in one go. Also returns that start (the runtime lists the rest) and the effects
    /// that are not history's (the workspace), for the runtime to carry out.
    public static func warmStart(_ initial: CockpitState, query: JobQuery, store: HistoryStore,
        prices: PriceTable = PriceTable()) throws
        -> (state: CockpitState, first: CockpitMessage, effects: [CockpitEffect])
    {
        var state = initial
        let first = try firstListing(query, store: store)
        var inbox = [first]
        var left: [CockpitEffect] = []
        // Answers ask for little more (a lane for a neighbour); a few rounds settle them.
        for _ in 0..<4 where !inbox.isEmpty {
            let messages = inbox
            inbox = []
            for message in messages {
                for effect in Cockpit.update(&state, message) {
                    if scope(of: effect) == .history {
                        inbox += try historyAnswer(effect, store: store, prices: prices)
                    } else {
                        left.append(effect)
                    }
                }
            }
        }
        for message in inbox { left += Cockpit.update(&state, message) }
        return (state, first, left)
    }

    /// The rows of `ids` as they are now (the cluster's only): what changed, without listing
    /// every job again. Many at once are listed again instead.
    public func refreshJobs(_ ids: Set<String>) async {
        guard ids.count <= Self.firstPage else { return await listJobs() }
        var changed = Self.jobQuery(cluster)
        changed.ids = ids
        let query = changed
        await read("jobs") { store in [.jobsUpdated(ids: ids, jobs: try store.jobs(query))] }
    }

    /// Jobs in the list's first page: more than a screen shows, a fraction of a long history.
    static let firstPage = 200

    private func read(_ what: String, _ body: @escaping @Sendable (HistoryStore) throws -> [CockpitMessage]) async {
        do {
            for message in try await store.reading(body) { send(message) }
        } catch is CancellationError {
            return
        } catch {
            send(.actionFailed("\(what): \(error)"))
        }
    }

    // MARK: - Actions

    private func carryOut(_ intent: JobIntent) async {
        let name = intent.jobName
        let query = JobQuery(namespace: cluster.namespace, context: cluster.context, name: name, limit: 1)
        let job: AgentJob?
        do {
            job = try await store.reading { try $0.jobs(query) }.first
        } catch {
            return send(.actionFailed("\(intent.kind.rawValue) \(name): \(error)"))
        }
        let jobID = job?.id ?? name
        do {
            switch intent {
            case .delete:
                let revoked = try await BusRevocation.revoke(jobName: name, api: cluster.api, namespace: cluster.namespace,
                    settings: cluster.config.settings)
                try await actions.delete(job: name)
                switch revoked {
                case .recordedOnly(_, let reason):
                    return send(.actionFinished("delete \(name): done; its NATS user is revoked in the keys, but the server was not told (\(reason))"))
                case .unknown(let reason):
                    return send(.actionFinished("delete \(name): done; its NATS user is not revoked (\(reason))"))
                case .none, .revoked: break
                }
            case .pin: try await actions.pin(job: name)
            case .cancel: try await actions.cancel(job: name, jobID: jobID)
            case .steer(_, let command): try await actions.steer(jobID: jobID, command)
            case .retry:
                guard let job else { throw OperatorError("history has no job \(name)") }
                let started = try await TaskSubmission.retry(job, prompt: nil, api: cluster.api, context: cluster.context,
                    settings: cluster.config.settings, queues: cluster.config.queues, store: store)
                return send(.actionFinished("retry \(name): started \(started), restoring its workspace"))
            case .prioritize(_, let priority): return send(.actionFinished(try await changeQueued(name, .priority(priority))))
            case .move(_, let queue): return send(.actionFinished(try await changeQueued(name, .queue(queue))))
            case .startNow: return send(.actionFinished(try await changeQueued(name, .startNow)))
            }
            send(.actionFinished("\(intent.kind.rawValue) \(name): done"))
        } catch let said as OperatorError where JobIntentKind.queueChanges.contains(intent.kind) {
            send(.actionFailed(said.description))  // `QueueActions` names the job
        } catch {
            let what = JobIntentKind.queueChanges.contains(intent.kind) ? name : "\(intent.kind.rawValue) \(name)"
            send(.actionFailed("\(what): \(error)"))
        }
    }

    /// A queued Job's priority, queue or start, as `flightdeck queue priority|move|start` make
    /// them (`QueueActions`: read, still queued, patched on the version read).
    private func changeQueued(_ name: String, _ change: QueueChange) async throws -> String {
        guard !readOnly else { throw OperatorError("read-only: changing queued jobs is refused") }
        return try await QueueActions(api: cluster.api, namespace: cluster.namespace, queues: cluster.config.queues)
            .apply(change, to: name)
    }

    /// The form's fields as the typed request `flightdeck submit` makes from its flags: empty
    /// fields say nothing (the config's defaults or the template's apply). A priority or budget
    /// that is not one is refused as `--priority` and `--budget-*` refuse it (the queue is
    /// checked by `build`).
    public static func request(for draft: TaskDraft) throws(OperatorError) -> TaskRequest {
        func given(_ text: String) -> String? { text.isEmpty ? nil : text }
        func word(_ text: String) -> String? { given(text.trimmingCharacters(in: .whitespaces)) }
        var request = TaskRequest(prompt: draft.prompt, image: given(draft.image), repoURL: given(draft.repoURL),
            template: given(draft.templatePath))
        request.fields.queue = word(draft.queue)
        request.fields.priority = try TaskRequest.priority(word(draft.priority))
        request.fields.budgetTokens = try TaskRequest.budgetTokens(word(draft.budgetTokens))
        request.fields.budgetCost = try TaskRequest.budgetCost(word(draft.budgetCost))
        return request
    }

    /// The form's task, built as `flightdeck submit` builds one: the config's defaults, then
    /// the template file, then the fields.
    private func submit(_ draft: TaskDraft) async {
        guard !readOnly else { return send(.actionFailed("read-only: submitting is refused")) }
        do {
            let built = try Self.request(for: draft).build(config: cluster.config)
            _ = try await TaskSubmission.submit(built.task, secretFilePaths: built.secretFilePaths, api: cluster.api,
                context: cluster.context, settings: cluster.config.settings, queues: cluster.config.queues, store: store)
            send(.actionFinished("submitted \(TaskManifests.jobName(built.task))"))
        } catch {
            send(.actionFailed("submit: \(error)"))
        }
    }

    // MARK: - Workspace

    private func loadWorkspace(_ jobID: String) async {
        if let root = await WorkspaceLocator(api: cluster.api, store: store).hostDirectory(jobID: jobID) {
            let entries = await Self.offPool { WorkspaceScan.entries(root: root, limit: 5_000) }
            let checkpoint = entries.first { $0.path.hasPrefix("checkpoints/") && $0.path.hasSuffix(".db") }
            send(.workspaceListed(jobID: jobID, listing: WorkspaceListing(entries: entries, source: .volume,
                checkpoint: checkpoint.map { .init(size: $0.size, modified: $0.modified) })))
            return
        }
        do {
            let listing = try await store.reading { try Self.snapshotListing(jobID: jobID, store: $0) }
            send(.workspaceListed(jobID: jobID, listing: listing))
        } catch {
            send(.actionFailed("workspace: \(error)"))
        }
    }

    private func loadPreview(jobID: String, path: String) async {
        guard let root = await WorkspaceLocator(api: cluster.api, store: store).hostDirectory(jobID: jobID) else {
            return send(.filePreviewLoaded(jobID: jobID, path: path, text: "(not on this node: no preview)", truncated: false))
        }
        let (text, truncated) = await Self.offPool { WorkspaceScan.preview(root: root, relativePath: path, limit: 16_384) }
        send(.filePreviewLoaded(jobID: jobID, path: path, text: text, truncated: truncated))
    }

    /// Filesystem work (a directory walk of a volume the agent writes) off the cooperative pool.
    private static func offPool<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: body()) }
        }
    }
}
