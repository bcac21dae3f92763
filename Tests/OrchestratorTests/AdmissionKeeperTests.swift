import AgentManifests
import FlightdeckCore
import FlightdeckTestSupport
import Foundation
import KubeClient
import KubeModel
import Orchestrator
import Testing

/// `flightdeck record` as the admitter, as operators run it: killed with SIGKILL and started
/// again, and two of them started at once — judged from the API server's own watch. Against
/// the simulated cluster, or a real one (`FLIGHTDECK_TEST_KUBECONFIG`).
@Suite(.timeLimit(.minutes(3))) struct AdmissionKeeperTests {
    let flightdeck = ProductProcess("flightdeck")

    func config(_ cluster: AdmissionCluster) throws -> String {
        let path = cluster.directory.file("flightdeck.yaml")
        try """
            queues:
              - name: homelab
                limit: 2
            """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// A keeper with a history of its own (so two never share one) and a 2 s lease.
    func keeper(_ cluster: AdmissionCluster, _ name: String) throws -> ProductProcess.Running {
        let home = cluster.directory.file(name)
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        return try flightdeck.start(["record", "--kubeconfig", cluster.kubeconfig, "--namespace", cluster.namespace,
            "--config", try config(cluster), "--history-db", home + "/history.db", "--lease-duration", "2"],
            environment: ["HOME": home, "XDG_CONFIG_HOME": home + "/xdg", "KUBECONFIG": "", "LANG": "C.UTF-8"])
    }

    func audited(_ body: (AdmissionCluster, AuditBox) async throws -> Void) async throws {
        let cluster = try await AdmissionCluster()
        let audit = AuditBox()
        let version = try await cluster.jobsVersion()
        let watch = Task { await JobAudit.watching(cluster.api, namespace: cluster.namespace, from: version, into: audit) }
        for (name, priority) in AdmitterTests.five { try await cluster.enqueue(name, priority: priority) }
        try await body(cluster, audit)
        watch.cancel()
        audit.value.expectAdmitted(AdmitterTests.expectedOrder, limit: 2)
        await cluster.finish()
    }

    @Test func aKeeperKilledAndStartedAgainAdmitsNothingTwice() async throws {
        try await audited { cluster, audit in
            let killed = try keeper(cluster, "first")
            try await eventually { audit.value.running.count == 2 }
            killed.kill(SIGKILL)
            _ = await killed.finish()
            // A slot frees while nobody admits; the next keeper fills it once the lease expires.
            let first = AdmitterTests.expectedOrder[0]
            try await cluster.delete(first)
            try await eventually { !audit.value.running.contains(first) }
            let second = try keeper(cluster, "second")
            try await AdmitterTests.drain(cluster, audit, total: AdmitterTests.five.count, deleted: 1)
            second.kill(SIGTERM)
            let stopped = await second.finish()
            #expect(stopped.status == 0, "\(stopped.stderr)")
            #expect(stopped.stderr.contains("admission: this keeper admits queued jobs"), "\(stopped.stderr)")
        }
    }

    @Test func twoKeepersStartedAtOnceAdmitNothingTwice() async throws {
        try await audited { cluster, audit in
            let keepers = [try keeper(cluster, "a"), try keeper(cluster, "b")]
            try await AdmitterTests.drain(cluster, audit, total: AdmitterTests.five.count)
            for keeper in keepers { keeper.kill(SIGTERM) }
            var said: [String] = []
            for keeper in keepers { said.append(await keeper.finish().stderr) }
            #expect(said.filter { $0.contains("admission: this keeper admits queued jobs") }.count >= 1, "\(said)")
            #expect(said.contains { $0.contains("admits queued jobs; standing by") }, "one of them waits: \(said)")
        }
    }
}
