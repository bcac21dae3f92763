import AgentManifests
import FlightdeckCore
import Foundation
import HistoryStore
import KubeClient
import NATSClient

/// Everything that keeps the history: the reconciler (Jobs, pods, claims, events), the
/// trace from NATS JetStream or pod logs, automatic pinning — all writing through one
/// `HistoryWriter` whose commits feed the live subscribers (`feed`), along with what other
/// processes sharing the history file commit.
///
/// The cockpit, `flightdeck record` and `flightdeck logs -f` run one each; several on one
/// machine may share a history file (idempotent writes, IMMEDIATE transactions).
public final class HistoryKeeper: Sendable {
    public struct Options: Sendable {
        public var namespace: String
        public var context: String?
        /// NATS for the trace; `nil`: pod logs only.
        public var nats: NATSConnection.Options?
        public var durableName: String
        public var trace: TraceSettings
        /// Only this Job's pod logs (`logs -f`); `nil`: every managed Job's.
        public var jobName: String?
        public var readOnly: Bool
        /// The task queues: queued Jobs' places in line.
        public var queues: QueueConfiguration
        /// Admit queued Jobs (Flightdeck's own admission, under the admission Lease); `nil`:
        /// admit nothing (a cockpit, `logs -f`, a read-only keeper).
        public var admission: Admitter.Options?

        public init(namespace: String, context: String? = nil, nats: NATSConnection.Options? = nil,
            durableName: String, trace: TraceSettings = TraceSettings(), jobName: String? = nil, readOnly: Bool = false,
            queues: QueueConfiguration = QueueConfiguration(), admission: Admitter.Options? = nil)
        {
            self.queues = queues
            self.admission = admission
            self.namespace = namespace
            self.context = context
            self.nats = nats
            self.durableName = durableName
            self.trace = trace
            self.jobName = jobName
            self.readOnly = readOnly
        }
    }

    /// What happened, for a status line.
    public enum Event: Sendable {
        case reconciler(Reconciler.Update)
        case nats(NATSConnection.State)
        case note(String)
        /// What the admitter did (`flightdeck record`, a cockpit with `--admit`).
        case admission(Admitter.Event)
        /// The store refused a batch (it is being retried: nothing is lost, the sources wait);
        /// `nil`: a retry went through.
        case store(HistoryStoreError?)
    }

    public let store: HistoryStore
    public let writer: HistoryWriter
    public let feed: LiveFeed
    public let api: KubeAPI
    public let options: Options
    public let nats: NATSConnection?

    /// A keeper made off the cooperative pool, as async code must make one: its live feed
    /// reads from the history file where the jobs that may grow stand.
    public static func opening(store: HistoryStore, api: KubeAPI, options: Options,
        writerLimits: HistoryWriter.Limits = .init()) async -> HistoryKeeper
    {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(returning: HistoryKeeper(store: store, api: api, options: options, writerLimits: writerLimits))
            }
        }
    }

    /// Reads the history file (the live feed's start): from async code, use `opening`.
    public init(store: HistoryStore, api: KubeAPI, options: Options, writerLimits: HistoryWriter.Limits = .init()) {
        let feed = LiveFeed(store: store)
        self.store = store
        self.feed = feed
        self.api = api
        self.options = options
        writer = HistoryWriter(store: store, limits: writerLimits) { outcome in
            if case .committed(let commit) = outcome { feed.publish(commit) }
        }
        nats = options.nats.map(NATSConnection.init(options:))
    }

    /// Runs until cancelled, then commits what is queued.
    public func run(report: @escaping @Sendable (Event) -> Void = { _ in }) async {
        let commands = nats.map { NATSCommandChannel(connection: $0) }
        let actions = AgentActions(api: api, namespace: options.namespace, readOnly: options.readOnly, commands: commands)
        await withTaskGroup(of: Void.self) { group in
            // Always: a job's state is how `logs -f` knows it has finished. With queues, what
            // admits them decides what a queued Job's reason says.
            // (A cluster that cannot be asked counts as without Kueue: reasons are only refined.)
            let mode = (try? await KueueDiscovery.mode(options.queues, api: api)) ?? .flightdeck
            let reconciler = Reconciler(api: api, namespace: options.namespace, writer: writer, context: options.context,
                queues: options.queues, admission: mode, usageToday: usageToday, storeFailure: { report(.store($0)) })
            group.addTask { await reconciler.run { report(.reconciler($0)) } }
            if let nats {
                let ingestor = NATSTraceIngestor(connection: nats, writer: writer, options: .init(
                    durableName: options.durableName, startFrom: options.trace.startFrom))
                group.addTask { await ingestor.run() }
                group.addTask {
                    for await state in nats.states() { report(.nats(state)) }
                }
            }
            let podLogs = PodLogIngestor(api: api, namespace: options.namespace, writer: writer,
                containers: nats == nil ? .all : .allButAgent, jobName: options.jobName,
                storeFailure: { report(.store($0)) })
            group.addTask { await podLogs.run() }
            group.addTask { await self.feed.followOtherWriters() }
            if !options.readOnly, var admission = options.admission {
                if admission.usageToday == nil { admission.usageToday = usageToday }
                let admitter = Admitter(api: api, namespace: options.namespace, options: admission)
                group.addTask { await admitter.run { report(.admission($0)) } }
            }
            if !options.readOnly {
                let pinner = AutoPinner(feed: feed, store: store, actions: actions,
                    keywords: options.trace.autoPinKeywords ?? AutoPin.defaultKeywords)
                group.addTask { await pinner.run { report(.note($0)) } }
            }
            await group.waitForAll()
        }
        await nats?.close()
        try? await writer.flushed()
    }

    /// Model tokens each queue's jobs used since `since`, per model, from this history (jobs
    /// without a queue count under the default one); `nil` when the store cannot be read.
    public var usageToday: @Sendable (_ since: Date) async -> [String: [TokenUsage]]? {
        { [store, options] since in
            try? await store.reading { try $0.usageByQueue(since: since, defaultQueue: options.queues.defaultQueueName) }
        }
    }

    /// Commits what is queued and stops the writer.
    @available(*, noasync, message: "blocks its thread: use closed()")
    public func close() throws {
        try writer.close()
    }

    /// Commits what is queued and stops the writer, without blocking a thread. Throws when
    /// the store refused the last of it: a failure the sources recovered from since (they retry
    /// what the store refused, or leave it unacknowledged in JetStream) lost nothing.
    public func closed() async throws(HistoryStoreError) {
        try? await writer.closed()
        if let failure = writer.lastFailure { throw failure }
    }
}
