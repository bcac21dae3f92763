import FlightdeckCore
import FlightdeckTestSupport
import Foundation
import KubeClient
import KubeModel
import Orchestrator
import SimCluster
import SimServer
import Testing

/// The simulated cluster's in-process command bus as the command channel (NATS carries
/// `cmd.agent.<id>` in a real deployment; the demo runs on this one).
struct KubeletCommandChannel: CommandChannel {
    let kubelet: Kubelet
    func send(_ command: OperatorCommand, toJob jobID: String) async throws {
        _ = kubelet.deliver(command, toJob: jobID)
    }
}

/// The operator's actions against the simulated cluster: what RBAC allows shows up front,
/// read-only refuses, delete/pin/cancel/steer do what they say.
@Suite(.timeLimit(.minutes(2))) struct AgentActionsTests {
    typealias Fixture = SubmitterTests.Fixture

    func runningAgent(_ fixture: Fixture, uuid: String = "0b1c2d3e-aaaa-4bbb-8ccc-000000000001") async throws -> SubmitPlan {
        let plan = SubmitterTests.plan(uuid)
        _ = try await Submitter(api: fixture.api).submit(plan)
        try await eventually {
            let pods = try await fixture.api.list(.pods, namespace: "agents")["items"]?.arrayValue ?? []
            return pods.contains { $0[path: ["status", "phase"]]?.stringValue == "Running" }
        }
        return plan
    }

    func agentLog(_ fixture: Fixture, _ plan: SubmitPlan) async throws -> String {
        let pods = try await fixture.api.list(.pods, namespace: "agents",
            options: ListOptions(labelSelector: "job-name=\(plan.jobName)"))["items"]?.arrayValue ?? []
        guard let name = pods.first?[path: ["metadata", "name"]]?.stringValue else { return "" }
        var bytes: [UInt8] = []
        for try await chunk in fixture.api.logs(namespace: "agents", pod: name, options: PodLogOptions(container: "agent")) {
            bytes += chunk
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test func capabilitiesFollowRBACAndReadOnly() async throws {
        let fixture = try await Fixture()
        let admin = await Capabilities.probe(api: fixture.api, namespace: "agents", readOnly: false, hasCommandChannel: true)
        #expect(admin.unavailable.isEmpty)
        let readOnly = await Capabilities.probe(api: fixture.api, namespace: "agents", readOnly: true, hasCommandChannel: false)
        #expect(readOnly.unavailable[.delete] == "read-only mode")
        #expect(readOnly.unavailable[.steer]?.contains("NATS") == true)

        _ = try await fixture.api.create(.roles, namespace: "agents", [
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": ["name": "viewer"],
            "rules": [["apiGroups": ["batch"], "resources": ["jobs"], "verbs": ["get", "list", "watch"]]],
        ])
        _ = try await fixture.api.create(.roleBindings, namespace: "agents", [
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": ["name": "viewer"],
            "roleRef": ["apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "viewer"],
            "subjects": [["kind": "User", "name": "viewer", "apiGroup": "rbac.authorization.k8s.io"]],
        ])
        let path = fixture.directory.file("viewer.yaml")
        try fixture.sim.writeKubeconfig(user: "viewer", to: URL(fileURLWithPath: path))
        let viewer = await Capabilities.probe(api: try Fixture.api(path, home: fixture.directory.path),
            namespace: "agents", readOnly: false, hasCommandChannel: true)
        #expect(viewer.unavailable[.delete] == "not allowed to delete jobs.batch in agents")
        #expect(viewer.unavailable[.pin] == "not allowed to patch jobs.batch in agents")
        #expect(viewer.unavailable[.submit] != nil)
        #expect(viewer.allows(.steer))
        await fixture.sim.stop()

        // A question that could not be asked is not a "no": the reason says what failed.
        let unreachable = await Capabilities.probe(api: fixture.api, namespace: "agents", readOnly: false,
            hasCommandChannel: true)
        #expect(unreachable.unavailable[.delete]?.hasPrefix("could not ask whether it may delete jobs.batch") == true)
        #expect(unreachable.unavailable[.delete]?.contains("not allowed") == false)
    }

    @Test func readOnlyRefusesBeforeReachingTheCluster() async throws {
        let fixture = try await Fixture()
        let plan = try await runningAgent(fixture)
        let actions = AgentActions(api: fixture.api, namespace: "agents", readOnly: true)
        do {
            try await actions.delete(job: plan.jobName)
            Issue.record("expected a refusal")
        } catch let refused as AgentActions.Refused {
            #expect(refused.description == "read-only mode: not going to delete \(plan.jobName)")
        }
        _ = try await fixture.api.get(.jobs, namespace: "agents", name: plan.jobName)
        await fixture.sim.stop()
    }

    @Test func pinDropsTheTTLAndMarksTheJob() async throws {
        let fixture = try await Fixture()
        let plan = try await runningAgent(fixture)
        _ = try await fixture.api.patch(.jobs, namespace: "agents", name: plan.jobName, ["spec": ["ttlSecondsAfterFinished": 60]])
        try await AgentActions(api: fixture.api, namespace: "agents").pin(job: plan.jobName)
        let job = try await fixture.api.get(.jobs, namespace: "agents", name: plan.jobName)
        #expect(job[path: ["spec", "ttlSecondsAfterFinished"]] == nil)
        #expect(job[path: ["metadata", "annotations", "flightdeck.dev/pinned"]]?.stringValue == "true")
        await fixture.sim.stop()
    }

    @Test func steerReachesTheAgentAndCancelEndsAndDeletesIt() async throws {
        let fixture = try await Fixture()
        let plan = try await runningAgent(fixture)
        let jobID = String(plan.taskUUID.prefix(8))
        let actions = AgentActions(api: fixture.api, namespace: "agents",
            commands: KubeletCommandChannel(kubelet: fixture.sim.kubelet))
        // Like core NATS, the bus reaches only an agent already listening: repeat the
        // instruction until the agent has taken it (it listens once its loop starts).
        try await eventually {
            try await actions.steer(jobID: jobID, .instruct("prefer the smallest change that fixes it"))
            try await Task.sleep(for: .milliseconds(200))
            return try await agentLog(fixture, plan).contains("prefer the smallest change")
        }

        try await actions.cancel(job: plan.jobName, jobID: jobID, grace: .seconds(20))
        await #expect(throws: APIError.self) { _ = try await fixture.api.get(.jobs, namespace: "agents", name: plan.jobName) }
        try await eventually { try await fixture.names(.persistentVolumeClaims).isEmpty }
        await fixture.sim.stop()
    }
}
