import FlightdeckCore
import FlightdeckTestSupport
import Foundation
import KubeClient
import KubeModel
import Orchestrator
import SimCluster
import SimServer
import Testing

/// Submissions against the simulated cluster over HTTPS: suspended Job, owned claim and
/// Secret, then start — with a crash injected after every step and a re-run that must
/// converge, a failing step that must roll back, and the garbage collector taking the
/// claim and Secret with their Job.
@Suite(.timeLimit(.minutes(2))) struct SubmitterTests {
    final class Fixture: @unchecked Sendable {
        let directory = TemporaryDirectory("flightdeck-submit")
        let sim: SimulatedCluster
        let api: KubeAPI
        let namespace = "agents"

        init() async throws {
            sim = try await SimulatedCluster.start(.init(dataDirectory: URL(fileURLWithPath: directory.file("data")),
                timing: SimTiming(scale: 0.02), bookmarkInterval: .seconds(1)))
            api = try Self.api(sim.kubeconfigURL.path, home: directory.path)
        }

        static func api(_ kubeconfig: String, home: String) throws -> KubeAPI {
            let loader = KubeconfigLoader(environment: [:], homeDirectory: home, workingDirectory: home,
                k3sConfigPath: home + "/none", serviceAccountDirectory: home + "/none")
            return KubeAPI(connection: try loader.load(kubeconfig: kubeconfig), qps: 1000, burst: 1000)
        }

        func names(_ type: ResourceType) async throws -> [String] {
            try await api.list(type, namespace: namespace)["items"]?.arrayValue?
                .compactMap { $0[path: ["metadata", "name"]]?.stringValue }.sorted() ?? []
        }

        func owners(_ type: ResourceType, _ name: String) async throws -> [String] {
            ObjectMeta(json: try await api.get(type, namespace: namespace, name: name)["metadata"] ?? .emptyObject)
                .ownerReferences.compactMap(\.uid)
        }
    }

    static func plan(_ uuid: String = "7c9e6679-7425-40de-944b-e07fc1f90ae7", namespace: String = "agents",
        admission: AdmissionMode = .immediate) -> SubmitPlan
    {
        let name = "agent-" + uuid.prefix(8)
        return SubmitPlan(
            namespace: namespace, jobName: name, taskUUID: uuid,
            job: { suspended in
                ["apiVersion": "batch/v1", "kind": "Job",
                    "metadata": ["name": .string(name), "labels": [
                        "app.kubernetes.io/managed-by": "flightdeck", "flightdeck.dev/task-uuid": .string(uuid)]],
                    "spec": ["suspend": .bool(suspended), "backoffLimit": 1, "template": ["spec": [
                        "restartPolicy": "Never",
                        "containers": [["name": "agent", "image": "sim-agent", "env": [
                            ["name": "JOB_ID", "value": .string(String(uuid.prefix(8)))],
                            ["name": "SIM_AGENT_STEPS", "value": "50"], ["name": "SIM_AGENT_PACE", "value": "5"]],
                            "volumeMounts": [["name": "workspace", "mountPath": "/workspace"]]]],
                        "volumes": [["name": "workspace", "persistentVolumeClaim": ["claimName": .string("workspace-\(name)")]]],
                    ]]]]
            },
            claim: { owner in
                ["apiVersion": "v1", "kind": "PersistentVolumeClaim",
                    "metadata": ["name": .string("workspace-\(name)"), "ownerReferences": [owner.json]],
                    "spec": ["accessModes": ["ReadWriteOnce"], "storageClassName": "local-path",
                        "resources": ["requests": ["storage": "1Gi"]]]]
            },
            secret: { owner in
                ["apiVersion": "v1", "kind": "Secret",
                    "metadata": ["name": .string("task-\(name)"), "ownerReferences": [owner.json]],
                    "stringData": ["api-key": "not-real"]]
            },
            admission: admission, enqueuePatch: admission.enqueuePatch(queue: "homelab", priority: .high))
    }

    @Test func startsTheJobOnlyAfterItsWorkspaceAndSecretExistOwnedByIt() async throws {
        let fixture = try await Fixture()
        let plan = Self.plan()
        let outcome = try await Submitter(api: fixture.api).submit(plan)
        guard case .started(let uid) = outcome else { Issue.record("expected started, got \(outcome)"); return }
        let job = Job(json: try await fixture.api.get(.jobs, namespace: "agents", name: plan.jobName))
        #expect(job.spec.suspend == false)
        #expect(try await fixture.owners(.persistentVolumeClaims, "workspace-\(plan.jobName)") == [uid])
        #expect(try await fixture.owners(.secrets, "task-\(plan.jobName)") == [uid])
        // A second submission of the same task changes nothing.
        #expect(try await Submitter(api: fixture.api).submit(plan) == .alreadyRunning(uid: uid))
        #expect(try await fixture.names(.jobs) == [plan.jobName])
        await fixture.sim.stop()
    }

    /// Every step of both kinds of submission: one that starts the Job, one that queues it.
    static let crashPoints: [(AdmissionMode, SubmitStep)] =
        [SubmitStep.createJob, .createClaim, .createSecret, .unsuspend].map { (AdmissionMode.immediate, $0) }
            + [SubmitStep.createJob, .createClaim, .createSecret, .enqueue].map { (AdmissionMode.flightdeck, $0) }

    @Test(arguments: crashPoints)
    func aSubmissionThatDiesAfterAnyStepConvergesWhenRunAgain(mode: AdmissionMode, step: SubmitStep) async throws {
        let fixture = try await Fixture()
        let plan = Self.plan(admission: mode)
        let crashing = Submitter(api: fixture.api) { done in
            if done == step { throw Submitter.Interrupted(after: done) }
        }
        await #expect(throws: Submitter.Interrupted.self) { _ = try await crashing.submit(plan) }
        let outcome = try await Submitter(api: fixture.api).submit(plan)
        switch (step, outcome) {
        case (.unsuspend, .alreadyRunning), (.enqueue, .alreadyQueued), (.createJob, .resumed), (.createClaim, .resumed),
            (.createSecret, .resumed):
            break
        default:
            Issue.record("after a crash at \(step): \(outcome)")
        }
        #expect(try await fixture.names(.jobs) == [plan.jobName], "one Job")
        let job = Job(json: try await fixture.api.get(.jobs, namespace: "agents", name: plan.jobName))
        if mode == .immediate {
            #expect(job.spec.suspend == false)
        } else {
            #expect(job.spec.suspend == true, "an admitter starts it")
            #expect(job.metadata.labels["flightdeck.dev/admission"] == "queued")
        }
        let uid = job.metadata.uid ?? ""
        #expect(try await fixture.names(.persistentVolumeClaims) == ["workspace-\(plan.jobName)"], "one claim")
        #expect(try await fixture.owners(.persistentVolumeClaims, "workspace-\(plan.jobName)") == [uid])
        #expect(try await fixture.owners(.secrets, "task-\(plan.jobName)") == [uid])
        await fixture.sim.stop()
    }

    /// An identity that may create Jobs and claims but not Secrets: the submission fails at
    /// the Secret, says so as the API's sentence, and leaves nothing behind.
    @Test func aFailingStepRollsBackEverything() async throws {
        let fixture = try await Fixture()
        _ = try await fixture.api.create(.roles, namespace: "agents", [
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": ["name": "half"],
            "rules": [
                ["apiGroups": ["batch"], "resources": ["jobs"], "verbs": ["create", "get", "patch", "delete"]],
                ["apiGroups": [""], "resources": ["persistentvolumeclaims"], "verbs": ["create", "get"]],
            ],
        ])
        _ = try await fixture.api.create(.roleBindings, namespace: "agents", [
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": ["name": "half"],
            "roleRef": ["apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "half"],
            "subjects": [["kind": "User", "name": "half", "apiGroup": "rbac.authorization.k8s.io"]],
        ])
        let path = fixture.directory.file("half.yaml")
        try fixture.sim.writeKubeconfig(user: "half", to: URL(fileURLWithPath: path))
        let limited = try Fixture.api(path, home: fixture.directory.path)
        do {
            _ = try await Submitter(api: limited).submit(Self.plan())
            Issue.record("expected a failure")
        } catch let failure as Submitter.Failure {
            #expect(failure.step == .createSecret)
            #expect(failure.rolledBack)
            #expect(failure.description.contains("secrets is forbidden: User \"half\" cannot create resource \"secrets\""))
        }
        #expect(try await fixture.names(.jobs).isEmpty)
        try await eventually { try await fixture.names(.persistentVolumeClaims).isEmpty }
        await fixture.sim.stop()
    }

    @Test func theClaimAndSecretGoWithTheirJob() async throws {
        let fixture = try await Fixture()
        let plan = Self.plan()
        _ = try await Submitter(api: fixture.api).submit(plan)
        try await fixture.api.delete(.jobs, namespace: "agents", name: plan.jobName,
            options: DeleteOptions(propagationPolicy: .background))
        try await eventually {
            let claims = try await fixture.names(.persistentVolumeClaims)
            let secrets = try await fixture.names(.secrets)
            let pods = try await fixture.names(.pods)
            return claims.isEmpty && secrets.isEmpty && pods.isEmpty
        }
        await fixture.sim.stop()
    }
}
