import AgentManifests
import FlightdeckCore
import FlowControl
import Foundation
import HistoryStore
import KubeClient
import KubeModel

/// Keeps the history store true to the cluster: watches the managed namespace's Jobs, Pods
/// and workspace claims (label-selected) and its Warning events, and writes each Job's
/// state and timeline markers as they change — so a Job the TTL controller deletes keeps
/// its history, marked deleted.
///
/// One task merges the four informers into one ordered stream of deltas; `ReconcileState`
/// decides what to write; a `HistoryWriter` writes it off the caller's threads. All of it is
/// structured: when `run` returns, nothing of it writes any more.
public final class Reconciler: Sendable {
    public let api: KubeAPI
    public let namespace: String
    public let context: String?
    public let selector: String
    /// The task queues, to give queued Jobs their place in line.
    public let queues: QueueConfiguration
    /// Who admits queued Jobs: what their reasons say, and what else is watched for them
    /// (the admission Lease, or Kueue's Workloads).
    public let admission: AdmissionMode
    /// Tokens used per queue and model since a time (history), to say which queues' budgets
    /// are spent (costs from `queues.prices`).
    private let usageToday: (@Sendable (_ since: Date) async -> [String: [TokenUsage]]?)?
    private let writer: HistoryWriter
    private let backoff: Backoff
    private let silenceTimeout: Double
    private let storeFailure: @Sendable (HistoryStoreError?) -> Void

    public static let managedSelector = "app.kubernetes.io/managed-by=flightdeck"

    public init(api: KubeAPI, namespace: String, writer: HistoryWriter, context: String? = nil,
        selector: String = Reconciler.managedSelector, queues: QueueConfiguration = QueueConfiguration(),
        admission: AdmissionMode = .immediate, backoff: Backoff = Backoff(), silenceTimeout: Double = 15,
        usageToday: (@Sendable (_ since: Date) async -> [String: [TokenUsage]]?)? = nil,
        storeFailure: @escaping @Sendable (HistoryStoreError?) -> Void = { _ in })
    {
        self.usageToday = usageToday
        self.queues = queues
        self.admission = admission
        self.storeFailure = storeFailure
        self.api = api
        self.namespace = namespace
        self.writer = writer
        self.context = context
        self.selector = selector
        self.backoff = backoff
        self.silenceTimeout = silenceTimeout
    }

    /// What the reconciler saw happen: a Job's new state (after it was queued for the
    /// store), or a change in the API connection.
    public enum Update: Sendable, Hashable {
        case job(AgentJob)
        case connection(Informer.ConnectionState)
        /// Every collection has been listed once: the history reflects the cluster.
        case synced
    }

    /// Reconciles until cancelled, telling `report` what it saw. Returns only once it has
    /// stopped writing, so its owner may close the writer then (a write after `close()` is
    /// not stored).
    public func run(report: @escaping @Sendable (Update) -> Void = { _ in }) async {
        var sources: [(ReconcileState.Source, Informer)] = [
            (.jobs, informer(.jobs, labels: selector)),
            (.pods, informer(.pods, labels: selector)),
            (.claims, informer(.persistentVolumeClaims, labels: selector)),
            (.events, informer(.events, fields: "type=Warning")),
        ]
        // The history reflects the cluster once these four are listed; the queue's extras
        // (which an identity may not be allowed to read) only refine the reasons.
        let essential = sources.count
        switch admission {
        case .flightdeck: sources.append((.leases, informer(.leases, fields: "metadata.name=\(Admitter.leaseName)")))
        case .kueue: sources.append((.workloads, informer(.workloads)))
        case .immediate: break
        }
        // Bounded: while the store is behind, the informers stop reading their watches.
        let (merged, input) = BoundedChannel<(ReconcileState.Source, Informer.Event), Never>.make(
            highWater: Informer.eventsBuffered)
        // Job states must land in order: each batch is committed before the next is queued,
        // and one the store refused is retried (and reported) until it is stored.
        let store = DurableWrites(writer: writer, ordered: true, report: storeFailure)
        await withTaskGroup(of: Void.self) { group in
            for (source, informer) in sources {
                let stream = informer.events()
                group.addTask {
                    for await event in stream {
                        do { try await input.send((source, event)) } catch { return }
                    }
                }
            }
            // Budgets come from history, not the cluster: checked every 15 s and fed in as a
            // change of the `budgets` source.
            if let usageToday, QueueBudgets.anyBudget(queues) {
                let queues = queues
                group.addTask {
                    while !Task.isCancelled {
                        if let used = await usageToday(QueueBudgets.dayStart(Date())) {
                            let spent = QueueBudgets.spent(queues, usageToday: used).sorted().map(JSONValue.string)
                            do { try await input.send((.budgets, .delta(.modified(["spent": .array(spent)])))) } catch { return }
                        }
                        try? await Task.sleep(for: .seconds(15))
                    }
                }
            }
            var state = ReconcileState(context: context, queues: queues, admission: admission)
            var synced: Set<ReconcileState.Source> = []
            loop: for await (source, event) in merged {
                if Task.isCancelled { break }
                switch event {
                case .delta(let delta):
                    let writes = state.apply(source, delta, now: Date())
                    guard !writes.isEmpty else { continue }
                    do { try await store.write(writes) } catch { break loop }
                    for case .job(let job) in writes { report(.job(job)) }
                case .synced:
                    let listed = state.listed(source, now: Date())
                    if !listed.isEmpty {
                        do { try await store.write(listed) } catch { break loop }
                        for case .job(let job) in listed { report(.job(job)) }
                    }
                    if source == .jobs, !synced.contains(.jobs) {
                        // Catch up on deletions that happened while no cockpit watched. What
                        // the history remembers is read off the cooperative pool; a store that
                        // cannot be read is reported and read again, not taken as empty (that
                        // would miss every deletion).
                        guard let remembered = await rememberedJobs() else { break loop }
                        let writes = state.missing(from: remembered, now: Date())
                        if !writes.isEmpty {
                            do { try await store.write(writes) } catch { break loop }
                            for case .job(let job) in writes { report(.job(job)) }
                        }
                    }
                    let before = synced.count
                    if [.jobs, .pods, .claims, .events].contains(source) { synced.insert(source) }
                    if synced.count == essential, before < essential { report(.synced) }
                case .connection(let state):
                    if source == .jobs { report(.connection(state)) }
                }
            }
            group.cancelAll()
        }
    }

    /// The jobs the history holds for this namespace, read on a thread of its own; retried
    /// with backoff (and reported) while the store fails; `nil` when cancelled.
    private func rememberedJobs() async -> [AgentJob]? {
        var backoff = Backoff(initial: 0.5, maximum: 10)
        var failed = false
        while !Task.isCancelled {
            do {
                let jobs = try await writer.store.reading { store in
                    try store.jobs(JobQuery(namespace: self.namespace, limit: 100_000))
                }
                if failed { storeFailure(nil) }
                return jobs
            } catch let error as HistoryStoreError {
                failed = true
                storeFailure(error)
            } catch {
                return nil
            }
            try? await Task.sleep(for: .seconds(backoff.delay(now: Date().timeIntervalSince1970, random: .random(in: 0...1))))
        }
        return nil
    }

    private func informer(_ type: ResourceType, labels: String? = nil, fields: String? = nil) -> Informer {
        Informer(api: api, type: type, namespace: namespace, labelSelector: labels, fieldSelector: fields,
            backoff: backoff, silenceTimeout: silenceTimeout)
    }
}
