import AgentManifests
import FlightdeckCore
import FlightdeckTestSupport
import Foundation
import KubeClient
import KubeModel
import Orchestrator
import Testing

/// The admission scenario of `AdmitterTests` where the cluster runs Kueue — the simulated
/// cluster's Kueue, or a real cluster's (`FLIGHTDECK_TEST_KUBECONFIG` with
/// `FLIGHTDECK_TEST_KUEUE=1`): Flightdeck only labels and watches, Kueue's admission decides,
/// and the outcome, judged from the API server's watch, is the same.
@Suite(.timeLimit(.minutes(3)), .enabled(if: AdmissionCluster.realKubeconfig == nil
    || ProcessInfo.processInfo.environment["FLIGHTDECK_TEST_KUEUE"] == "1",
    "the real cluster is used for Kueue only with FLIGHTDECK_TEST_KUEUE=1 (it must run Kueue)"))
struct KueueAdmissionTests {
    /// The install's Kueue objects for a queue of 2, its ClusterQueue held (`stopPolicy:
    /// Hold`) until every task is queued, so that the order is Kueue's choice among all five.
    static func install(_ cluster: AdmissionCluster) async throws {
        let settings = ClusterSettings(namespace: cluster.namespace)
        for var object in InstallManifests.kueue(AdmitterTests.queues, settings: settings) {
            guard let type = ResourceType.forKind(object["kind"]?.stringValue ?? "",
                apiVersion: object["apiVersion"]?.stringValue ?? "")
            else { continue }
            if type == .clusterQueues { object[path: ["spec", "stopPolicy"]] = "Hold" }
            _ = try await cluster.api.create(type, namespace: type.namespaced ? cluster.namespace : nil, object)
        }
    }

    @Test func kueueAdmitsFiveTasksTwoAtATimeInPriorityThenSubmissionOrder() async throws {
        let cluster = try await AdmissionCluster(kueue: true)
        #expect(try await KueueDiscovery.clusterHasKueue(cluster.api))
        #expect(try await KueueDiscovery.mode(AdmitterTests.queues, api: cluster.api) == .kueue)
        try await Self.install(cluster)
        let audit = AuditBox()
        let version = try await cluster.jobsVersion()
        let watch = Task { await JobAudit.watching(cluster.api, namespace: cluster.namespace, from: version, into: audit) }
        for (name, priority) in AdmitterTests.five { try await cluster.enqueue(name, priority: priority, mode: .kueue) }

        // Flightdeck's own admitter stands by where Kueue admits.
        let events = EventLog()
        let admitter = Task {
            await Admitter(api: cluster.api, namespace: cluster.namespace, options: AdmitterTests.options("keeper-a")).run {
                events.append("\($0)")
            }
        }
        await admitter.value
        #expect(events.lines == ["kueue"])

        // Every task has its Workload, pending while the ClusterQueue is held.
        try await eventually {
            let workloads = try await cluster.api.list(.workloads, namespace: cluster.namespace)["items"]?.arrayValue ?? []
            return Set(workloads.compactMap(ReconcileState.owningJob)) == Set(AdmitterTests.five.map(\.0))
        }
        #expect(try await cluster.running().isEmpty)

        _ = try await cluster.api.patch(.clusterQueues, name: InstallManifests.kueueClusterQueueName("homelab"),
            ["spec": ["stopPolicy": "None"]], kind: .merge)
        try await eventually { audit.value.running.count == 2 }

        // What Flightdeck shows of those that wait is Kueue's own reason.
        let report = try await QueueReportProbe.report(cluster)
        #expect(report.mode == .kueue)
        #expect(report.waiting.map(\.job) == ["q4", "q1", "q5"])
        #expect(report.waiting.allSatisfy { $0.reason.hasPrefix("Kueue: ") || $0.reason.hasPrefix("queue homelab") },
            "\(report.waiting.map(\.reason))")
        #expect(report.waiting.first?.reason.hasPrefix("Kueue: ") == true, "\(report.waiting.map(\.reason))")

        try await AdmitterTests.drain(cluster, audit, total: AdmitterTests.five.count)
        watch.cancel()
        audit.value.expectAdmitted(AdmitterTests.expectedOrder, limit: 2)
        await cluster.finish()
    }
}

/// The queue report as `flightdeck queue` makes it, from the cluster's Jobs and Workloads.
enum QueueReportProbe {
    static func report(_ cluster: AdmissionCluster) async throws -> QueueReport {
        let jobs = (try await cluster.api.list(.jobs, namespace: cluster.namespace)["items"]?.arrayValue ?? [])
            .map(Job.init(json:))
        let workloads = try await cluster.api.list(.workloads, namespace: cluster.namespace)["items"]?.arrayValue ?? []
        return QueueReport(queues: AdmitterTests.queues, jobs: jobs, mode: .kueue, lease: nil, kueueReasons: QueueReport.kueueReasons(workloads: workloads),
            now: Date())
    }
}
