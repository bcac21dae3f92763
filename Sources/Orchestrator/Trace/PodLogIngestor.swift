import FlightdeckCore
import Foundation
import HistoryStore
import KubeClient
import KubeModel
import Synchronization

/// Reads agents' traces from their pods' logs into the history store: for clusters without
/// NATS, for agents that only print, and for the log shipper and init containers (whose
/// lines say why an agent never started).
///
/// Every agent pod of the namespace is found with a watch; each of its containers is
/// followed once it has started (`LogFollower`: across dropped links and container
/// restarts), and its lines are decoded like NATS messages (`TraceDecoder`). A line's
/// identity is `log:<pod>/<container>/<kubelet timestamp>#<n>` — the same whichever
/// cockpit reads it, so cockpits sharing a history file store each line once.
public final class PodLogIngestor: Sendable {
    public enum Containers: Sendable, Hashable {
        /// Every container: the trace comes from the agent's stdout.
        case all
        /// All but the agent container: its trace comes over NATS.
        case allButAgent
    }

    public let api: KubeAPI
    public let namespace: String
    public let writer: HistoryWriter
    public let containers: Containers
    public let decoder: TraceDecoder
    /// Only this job's pods (`logs -f` of one job); `nil`: all agent pods.
    public let jobName: String?
    private let followed = Mutex<Set<String>>([])
    private let lines = Mutex(0)
    private let storeFailure: @Sendable (HistoryStoreError?) -> Void

    /// - Parameter storeFailure: called when the store refuses a batch (it is retried until
    ///   committed; the log is not read meanwhile), and with `nil` once a retry succeeded.
    public init(api: KubeAPI, namespace: String, writer: HistoryWriter, containers: Containers = .all,
        jobName: String? = nil, decoder: TraceDecoder = TraceDecoder(),
        storeFailure: @escaping @Sendable (HistoryStoreError?) -> Void = { _ in })
    {
        self.api = api
        self.namespace = namespace
        self.writer = writer
        self.containers = containers
        self.jobName = jobName
        self.decoder = decoder
        self.storeFailure = storeFailure
    }

    /// Lines read so far.
    public var linesRead: Int { lines.withLock { $0 } }

    /// Follows until cancelled.
    public func run() async {
        var selector = "app.kubernetes.io/component=agent"
        if let jobName { selector += ",batch.kubernetes.io/job-name=\(jobName)" }
        let informer = Informer(api: api, type: .pods, namespace: namespace, labelSelector: selector)
        await withTaskGroup(of: Void.self) { group in
            for await event in informer.events() {
                guard case .delta(let delta) = event else { continue }
                switch delta {
                case .added(let json), .modified(let json):
                    for (pod, container, jobID) in startedContainers(Pod(json: json)) {
                        let key = "\(pod)/\(container)"
                        guard followed.withLock({ $0.insert(key).inserted }) else { continue }
                        group.addTask { await self.follow(pod: pod, container: container, jobID: jobID) }
                    }
                case .deleted:
                    continue  // its followers end by themselves when the pod is gone
                }
            }
            group.cancelAll()
        }
    }

    /// The containers of `pod` that have started (so have a log), with the pod's job id.
    func startedContainers(_ pod: Pod) -> [(pod: String, container: String, jobID: String)] {
        guard let name = pod.metadata.name else { return [] }
        let jobID = Self.jobID(of: pod)
        guard TraceDecoder.isPlausibleJobID(jobID) else { return [] }
        var result: [(String, String, String)] = []
        for status in pod.status.initContainerStatuses + pod.status.containerStatuses {
            guard let container = status.name else { continue }
            if containers == .allButAgent, container == "agent" { continue }
            let started = status.state.running != nil || status.state.terminated != nil
                || status.lastState.terminated != nil
            if started { result.append((name, container, jobID)) }
        }
        return result
    }

    /// The agent's job id: its `JOB_ID`, else the Job's name (as the reconciler reads it).
    static func jobID(of pod: Pod) -> String {
        let containers = pod.spec.containers
        let agent = containers.first { $0.name == "agent" } ?? containers.first
        if let value = agent?.env.first(where: { $0.name == "JOB_ID" })?.value, !value.isEmpty { return value }
        return pod.metadata.labels["batch.kubernetes.io/job-name"] ?? pod.metadata.name ?? ""
    }

    private func follow(pod: String, container: String, jobID: String) async {
        let follower = LogFollower(api: api, namespace: namespace, pod: pod, container: container)
        let store = DurableWrites(writer: writer, report: storeFailure)
        var phases = PhaseTracker()
        var numbering = LineNumbering()
        do {
            for try await batch in follower.batches() {
                var writes: [HistoryWrite] = []
                writes.reserveCapacity(batch.count + 4)
                let now = Date()
                for line in batch {
                    let sourceID = "log:\(pod)/\(container)/\(numbering.identity(of: line.timestamp))"
                    writes += decoder.decodeLogLine(line.text, jobID: jobID, container: container, sourceID: sourceID,
                        receivedAt: now, phases: &phases)
                }
                lines.withLock { $0 += batch.count }
                // Waits while the store is behind or refusing: the follower's buffer fills and
                // its transfer pauses, so the lines wait in the kubelet's log file, not here.
                try await store.write(writes)
            }
            try await store.settle()
        } catch is CancellationError {
            return
        } catch {
            // The API refused or the pod went: a later event for it may start a new follow
            // (the store drops the lines read twice). A log that ended normally stays done.
            followed.withLock { _ = $0.remove("\(pod)/\(container)") }
        }
    }
}

/// Names log lines by their kubelet timestamp, with a counter for lines that share one, so
/// the same line gets the same name in every cockpit and after a resume.
struct LineNumbering: Sendable {
    private var lastTimestamp = ""
    private var repeats = 0

    mutating func identity(of timestamp: String) -> String {
        if timestamp == lastTimestamp {
            repeats += 1
        } else {
            lastTimestamp = timestamp
            repeats = 0
        }
        return repeats == 0 ? timestamp : "\(timestamp)#\(repeats)"
    }
}
