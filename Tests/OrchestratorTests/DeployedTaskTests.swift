import AgentManifests
import FlightdeckCore
import FlightdeckTestSupport
import Foundation
import HistoryStore
import KubeClient
import KubeModel
import Orchestrator
import SimCluster
import SimServer
import Testing

/// The whole path as Flightdeck deploys a task: the install bundle applied, a task
/// submitted with the real manifests into the PodSecurity-restricted namespace, the
/// reconciler recording it to the end — then the Job deleted and its workspace with it,
/// while history keeps it.
@Suite(.timeLimit(.minutes(2))) struct DeployedTaskTests {
    @Test func aTaskRunsUnderRestrictedAndHistoryOutlivesIt() async throws {
        let fixture = try await SubmitterTests.Fixture()
        var settings = ClusterSettings(namespace: "fleet")
        settings.natsURL = "nats://10.0.0.5:4222"
        for object in InstallManifests.all(settings, natsAuthorization: .insecure) {
            let kind = object["kind"]?.stringValue ?? ""
            let apiVersion = object["apiVersion"]?.stringValue ?? ""
            let type = try #require(ResourceType.forKind(kind, apiVersion: apiVersion), "\(kind) is served")
            _ = try await fixture.api.create(type, namespace: object[path: ["metadata", "namespace"]]?.stringValue, object)
        }
        let store = try HistoryStore(path: fixture.directory.file("history.db"))
        let writer = HistoryWriter(store: store, limits: .init(maxRows: 100, maxDelay: 0.01))
        let reconciler = Reconciler(api: fixture.api, namespace: "fleet", writer: writer, context: "sim")
        let consumer = Task { await reconciler.run() }
        defer { consumer.cancel() }

        let task = AgentTask(uuid: "3f2b8c1e-5d4a-4e6b-9c7d-0a1b2c3d4e5f", image: "ghcr.io/flightdeck/sim-agent:1",
            prompt: "Fix the flaky retry test", secretFiles: ["token": "not-a-real-token"],
            environment: ["SIM_AGENT_STEPS": "2", "SIM_AGENT_PACE": "1"])
        let outcome = try await Submitter(api: fixture.api).submit(SubmitPlan(task: task, settings: settings))
        guard case .started = outcome else { Issue.record("\(outcome)"); return }
        let id = TaskManifests.jobID(task)
        var done: AgentJob?
        while done?.status != .succeeded {
            try await writer.flushed()
            done = try store.job(id: id)
            if done?.status == .failed || done?.pendingReason?.contains("cannot create") == true {
                Issue.record("the task did not run: \(done?.pendingReason ?? "")")
                return
            }
            try await Task.sleep(for: .milliseconds(25))
        }
        #expect(done?.taskUUID == task.uuid)
        #expect(done?.pvc == TaskManifests.claimName(task))

        try await AgentActions(api: fixture.api, namespace: "fleet").delete(job: TaskManifests.jobName(task))
        try await eventually {
            let claims = try await fixture.api.list(.persistentVolumeClaims, namespace: "fleet")["items"]?.arrayValue ?? []
            return !claims.contains { $0[path: ["metadata", "name"]]?.stringValue == TaskManifests.claimName(task) }
        }
        while try store.job(id: id)?.deletedAt == nil {
            try await writer.flushed()
            try await Task.sleep(for: .milliseconds(25))
        }
        #expect(try store.job(id: id)?.status == .succeeded)
        consumer.cancel()
        await consumer.value
        try await writer.closed()
        await fixture.sim.stop()
    }
}
