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

/// The reconciler against the simulated cluster over HTTPS, with a real history file: what
/// the store says of each Job follows what the cluster does to it, and outlives it.
@Suite(.timeLimit(.minutes(2))) struct ReconcilerTests {
    final class Fixture: @unchecked Sendable {
        let directory = TemporaryDirectory("flightdeck-reconcile")
        let sim: SimulatedCluster
        let api: KubeAPI
        let store: HistoryStore
        let writer: HistoryWriter
        let namespace = "lab"
        var task: Task<Void, Never>?

        init() async throws {
            sim = try await SimulatedCluster.start(.init(dataDirectory: URL(fileURLWithPath: directory.file("data")),
                timing: SimTiming(scale: 0.02), bookmarkInterval: .seconds(1)))
            let loader = KubeconfigLoader(environment: [:], homeDirectory: directory.path,
                workingDirectory: directory.path, k3sConfigPath: directory.file("none"),
                serviceAccountDirectory: directory.file("none"))
            api = KubeAPI(connection: try loader.load(kubeconfig: sim.kubeconfigURL.path), qps: 1000, burst: 1000)
            store = try HistoryStore(path: directory.file("history.db"))
            writer = HistoryWriter(store: store, limits: .init(maxRows: 100, maxDelay: 0.01))
            _ = try await api.create(.namespaces, ["apiVersion": "v1", "kind": "Namespace", "metadata": [
                "name": .string(namespace),
                "labels": ["pod-security.kubernetes.io/enforce": "restricted"],
            ]])
            let reconciler = Reconciler(api: api, namespace: namespace, writer: writer, context: "sim")
            task = Task { await reconciler.run() }
        }

        /// Stops the reconciler, then the writer: in that order, as the product does.
        func finish() async {
            task?.cancel()
            await task?.value
            try? await writer.closed()
            await sim.stop()
        }

        func claim(_ name: String) async throws {
            _ = try await api.create(.persistentVolumeClaims, namespace: namespace, [
                "apiVersion": "v1", "kind": "PersistentVolumeClaim",
                "metadata": ["name": .string(name), "labels": ["app.kubernetes.io/managed-by": "flightdeck"]],
                "spec": ["accessModes": ["ReadWriteOnce"], "storageClassName": "local-path",
                    "resources": ["requests": ["storage": "1Gi"]]],
            ])
        }

        func job(id: String) throws -> AgentJob? {
            try writer.flush()
            return try store.job(id: id)
        }

        func waitFor(_ id: String, _ condition: (AgentJob) -> Bool) async throws -> AgentJob {
            while true {
                if let job = try job(id: id), condition(job) { return job }
                try await Task.sleep(for: .milliseconds(25))
            }
        }
    }

    /// An agent Job as Flightdeck deploys one (restricted, labelled, with a workspace).
    static func agentJob(_ name: String, env: [String: String] = [:], compliant: Bool = true, claim: String? = nil,
        backoffLimit: Int = 2, ttl: Int? = nil, suspend: Bool = false) -> JSONValue
    {
        var environment: [JSONValue] = [["name": "JOB_ID", "value": .string(name)]]
        for (key, value) in env.sorted(by: { $0.key < $1.key }) {
            environment.append(["name": .string(key), "value": .string(value)])
        }
        var container: JSONValue = ["name": "agent", "image": "ghcr.io/flightdeck/sim-agent:1", "env": .array(environment)]
        if compliant {
            container.setMember("securityContext", ["allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true,
                "capabilities": ["drop": ["ALL"]]])
        }
        if claim != nil { container.setMember("volumeMounts", [["name": "workspace", "mountPath": "/workspace"]]) }
        var podSpec: JSONValue = ["restartPolicy": "Never", "containers": [container]]
        if compliant {
            podSpec.setMember("securityContext", ["runAsNonRoot": true, "runAsUser": 1000, "seccompProfile": ["type": "RuntimeDefault"]])
        }
        if let claim {
            podSpec.setMember("volumes", [["name": "workspace", "persistentVolumeClaim": ["claimName": .string(claim)]]])
        }
        var spec: JSONValue = [
            "backoffLimit": .integer(Int64(backoffLimit)), "suspend": .bool(suspend),
            "podFailurePolicy": ["rules": [
                ["action": "FailJob", "onExitCodes": ["containerName": "agent", "operator": "In", "values": [42]]],
                ["action": "Ignore", "onPodConditions": [["type": "DisruptionTarget"]]],
            ]],
            "template": ["metadata": ["labels": ["app.kubernetes.io/managed-by": "flightdeck"]], "spec": podSpec],
        ]
        if let ttl { spec.setMember("ttlSecondsAfterFinished", .integer(Int64(ttl))) }
        return ["apiVersion": "batch/v1", "kind": "Job",
            "metadata": ["name": .string(name), "labels": ["app.kubernetes.io/managed-by": "flightdeck"]], "spec": spec]
    }

    @Test func aJobThatSucceedsIsRecordedWithItsNodeAndWorkspaceAndOutlivesItsDeletion() async throws {
        let fixture = try await Fixture()
        try await fixture.claim("workspace-ok")
        _ = try await fixture.api.create(.jobs, namespace: fixture.namespace,
            Self.agentJob("ok", env: ["SIM_AGENT_STEPS": "2", "SIM_AGENT_PACE": "1"], claim: "workspace-ok"))
        let done = try await fixture.waitFor("ok") { $0.status == .succeeded }
        #expect(done.node == "flightdeck-sim")
        #expect(done.pvc == "workspace-ok")
        #expect(done.retries == 0)
        #expect(done.context == "sim")
        #expect(done.finishedAt != nil)
        #expect(done.pendingReason == nil)

        try await fixture.api.delete(.jobs, namespace: fixture.namespace, name: "ok",
            options: DeleteOptions(propagationPolicy: .background))
        let gone = try await fixture.waitFor("ok") { $0.deletedAt != nil }
        #expect(gone.status == .succeeded, "the outcome stays")
        await fixture.finish()
    }

    @Test func retriesAndAFatalExitAreCountedAndMarked() async throws {
        let fixture = try await Fixture()
        // OOM on the first run (retried: a new pod, which finds the workspace and its
        // checkpoint on the claim), then the fatal logic error: FailJob at once.
        try await fixture.claim("workspace-fatal")
        _ = try await fixture.api.create(.jobs, namespace: fixture.namespace,
            Self.agentJob("fatal", env: ["SIM_AGENT_STEPS": "4", "SIM_AGENT_PACE": "1", "SIM_AGENT_FAIL": "oom@1,fatal@2"],
                claim: "workspace-fatal"))
        let failed = try await fixture.waitFor("fatal") { $0.status == .failed }
        #expect(failed.retries >= 1)
        #expect(failed.pendingReason?.contains("PodFailurePolicy") == true, "reason: \(failed.pendingReason ?? "nil")")
        try await fixture.writer.flushed()
        let markers = try fixture.store.markers(jobID: "fatal")
        #expect(markers.contains { $0.kind == .retry })
        #expect(markers.contains { $0.kind == .failure })
        await fixture.finish()
    }

    @Test func pendingJobsSayWhy() async throws {
        let fixture = try await Fixture()
        _ = try await fixture.api.create(.jobs, namespace: fixture.namespace, Self.agentJob("held", suspend: true))
        let held = try await fixture.waitFor("held") { $0.status == .suspended }
        #expect(held.pendingReason == "suspended")

        _ = try await fixture.api.create(.jobs, namespace: fixture.namespace, Self.agentJob("rooted", compliant: false))
        let rejected = try await fixture.waitFor("rooted") { $0.pendingReason?.contains("PodSecurity") == true }
        #expect(rejected.status == .pending)
        #expect(rejected.pendingReason?.hasPrefix("cannot create its pod:") == true)
        await fixture.finish()
    }

    /// A Job deleted while no reconciler ran is marked deleted by the next one, at its
    /// first list — with the outcome it had.
    @Test func deletionsWhileNobodyWatchedAreCaughtUp() async throws {
        let fixture = try await Fixture()
        _ = try await fixture.api.create(.jobs, namespace: fixture.namespace,
            Self.agentJob("offline", env: ["SIM_AGENT_STEPS": "1", "SIM_AGENT_PACE": "1"]))
        _ = try await fixture.waitFor("offline") { $0.status == .succeeded }
        fixture.task?.cancel()
        await fixture.task?.value
        try await fixture.writer.flushed()
        try await fixture.api.delete(.jobs, namespace: fixture.namespace, name: "offline",
            options: DeleteOptions(propagationPolicy: .background))
        try await Task.sleep(for: .milliseconds(200))
        #expect(try fixture.job(id: "offline")?.deletedAt == nil, "nobody watched the deletion")
        let again = Reconciler(api: fixture.api, namespace: fixture.namespace, writer: fixture.writer, context: "sim")
        let task = Task { await again.run() }
        let marked = try await fixture.waitFor("offline") { $0.deletedAt != nil }
        #expect(marked.status == .succeeded)
        task.cancel()
        await task.value
        await fixture.finish()
    }

    @Test func aJobTheTTLControllerDeletesKeepsItsHistory() async throws {
        let fixture = try await Fixture()
        _ = try await fixture.api.create(.jobs, namespace: fixture.namespace,
            Self.agentJob("brief", env: ["SIM_AGENT_STEPS": "1", "SIM_AGENT_PACE": "1"], ttl: 5))
        let deleted = try await fixture.waitFor("brief") { $0.deletedAt != nil }
        #expect(deleted.status == .succeeded)
        await #expect(throws: APIError.self) {
            _ = try await fixture.api.get(.jobs, namespace: fixture.namespace, name: "brief")
        }
        await fixture.finish()
    }
}
