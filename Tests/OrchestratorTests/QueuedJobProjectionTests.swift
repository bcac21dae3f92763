import AgentManifests
import FlightdeckCore
import Foundation
import HistoryStore
import KubeClient
import KubeModel
import Orchestrator
import Testing

/// Queued Jobs as history records them: place in line and reason, kept current as other Jobs
/// start, as the admission Lease comes and goes, and (under Kueue) from the Workloads. Pure:
/// informer deltas in, history writes out.
@Suite struct QueuedJobProjectionTests {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)
    static let queues = QueueConfiguration(queues: [QueueSettings(name: "homelab", limit: 1)])

    static func job(_ name: String, _ priority: TaskPriority, minute: Double, suspended: Bool = true) -> JSONValue {
        [
            "apiVersion": "batch/v1", "kind": "Job",
            "metadata": [
                "name": .string(name), "uid": .string("uid-" + name),
                "creationTimestamp": .string(RFC3339.string(from: t0.addingTimeInterval(minute * 60))),
                "labels": [
                    "app.kubernetes.io/managed-by": "flightdeck", "app.kubernetes.io/component": "agent",
                    "flightdeck.dev/queue": "homelab", "flightdeck.dev/priority": .string(priority.rawValue),
                    "flightdeck.dev/admission": .string(suspended ? "queued" : "admitted"),
                ],
            ],
            "spec": ["suspend": .bool(suspended), "template": ["spec": ["containers": [["name": "agent", "image": "img",
                "env": [["name": "JOB_ID", "value": .string(name)]]]]]]],
        ]
    }

    /// The last state written for each job.
    static func jobs(_ writes: [HistoryWrite]) -> [String: AgentJob] {
        var latest: [String: AgentJob] = [:]
        for case .job(let job) in writes { latest[job.name] = job }
        return latest
    }

    @Test func placesAndReasonsFollowTheQueueAndTheLease() {
        var state = ReconcileState(context: "sim", queues: Self.queues, admission: .flightdeck)
        var writes: [HistoryWrite] = []
        writes += state.apply(.jobs, .added(Self.job("a", .low, minute: 0)), now: Self.t0)
        writes += state.apply(.jobs, .added(Self.job("b", .normal, minute: 1)), now: Self.t0)
        writes += state.apply(.jobs, .added(Self.job("c", .high, minute: 2)), now: Self.t0)
        var seen = Self.jobs(writes)
        #expect(seen.mapValues(\.status) == ["a": .queued, "b": .queued, "c": .queued])
        #expect(seen.mapValues { $0.queuePosition ?? 0 } == ["c": 1, "b": 2, "a": 3], "each re-placed as the others came")
        #expect(seen["c"]?.pendingReason == "next in queue homelab", "nothing said of the admitter before its Lease is read")
        #expect(seen["a"]?.pendingReason == "queue homelab: 0/1 running, 1 starting")
        #expect(seen["a"]?.queue == "homelab" && seen["a"]?.priority == .low)

        // The Lease listed and absent: nothing admits, and the head says so.
        seen = Self.jobs(state.listed(.leases, now: Self.t0))
        #expect(seen["c"]?.pendingReason?.hasPrefix("next in queue homelab, but nothing admits it") == true)

        // A keeper takes the Lease.
        var lease = Lease(json: ["metadata": ["name": "flightdeck-admission"], "spec": .emptyObject])
        lease.holderIdentity = "node_42_ab"
        lease.leaseDurationSeconds = 15
        lease.renewTime = Self.t0
        seen = Self.jobs(state.apply(.leases, .added(lease.json), now: Self.t0.addingTimeInterval(1)))
        #expect(seen["c"]?.pendingReason == "next in queue homelab: being started")
        #expect(seen["a"] == nil, "only what changed is written")

        // c starts: it leaves the line, and the others move up behind it.
        seen = Self.jobs(state.apply(.jobs, .modified(Self.job("c", .high, minute: 2, suspended: false)),
            now: Self.t0.addingTimeInterval(2)))
        #expect(seen["c"]?.status == .pending && seen["c"]?.queuePosition == nil)
        #expect(seen["b"]?.queuePosition == 1 && seen["a"]?.queuePosition == 2)
        #expect(seen["b"]?.pendingReason == "queue homelab: 1/1 running")

        // c deleted while running: its slot frees.
        seen = Self.jobs(state.apply(.jobs, .deleted(Self.job("c", .high, minute: 2, suspended: false)),
            now: Self.t0.addingTimeInterval(3)))
        #expect(seen["c"]?.status == .deleted)
        #expect(seen["b"]?.pendingReason == "next in queue homelab: being started")
    }

    @Test func underKueueTheReasonIsKueues() {
        var state = ReconcileState(context: "sim", queues: Self.queues, admission: .kueue)
        _ = state.apply(.jobs, .added(Self.job("a", .normal, minute: 0)), now: Self.t0)
        var seen = Self.jobs(state.apply(.jobs, .added(Self.job("b", .normal, minute: 1)), now: Self.t0))
        #expect(seen["b"]?.pendingReason == "queue homelab: 0/1 running, 1 starting")
        let workload: JSONValue = [
            "metadata": ["name": "job-b-1a2b3", "ownerReferences": [["apiVersion": "batch/v1", "kind": "Job", "name": "b",
                "uid": "uid-b", "controller": true]]],
            "status": ["conditions": [["type": "QuotaReserved", "status": "False", "reason": "Pending",
                "message": "couldn't assign flavors to pod set main: insufficient unused quota for pods in flavor default-flavor, 1 more needed\u{1B}[2J"]]],
        ]
        seen = Self.jobs(state.apply(.workloads, .added(workload), now: Self.t0))
        let reason = seen["b"]?.pendingReason ?? ""
        #expect(reason.hasPrefix("Kueue: couldn't assign flavors to pod set main: insufficient unused quota for pods"))
        #expect(!reason.contains("\u{1B}"), "cluster text is made terminal-safe")
        seen = Self.jobs(state.apply(.workloads, .deleted(workload), now: Self.t0))
        #expect(seen["b"]?.pendingReason == "queue homelab: 0/1 running, 1 starting")
    }
}
