import FlightdeckCore
import FlightdeckTestSupport
import Foundation
import SimCluster
import SimServer
import Testing

/// The real `kubectl`, where the machine has one.
let installedKubectl: URL? = ["/usr/bin/kubectl", "/usr/local/bin/kubectl"].first {
    FileManager.default.isExecutableFile(atPath: $0)
}.map(URL.init(fileURLWithPath:))

/// The real `kubectl` against the simulated cluster, with the kubeconfig the sim writes:
/// what an operator types must work as on k3s.
@Suite(.serialized, .timeLimit(.minutes(3)),
    .enabled(if: installedKubectl != nil, "kubectl is not installed (apt-get install kubectl); the compatibility tests need the real client"))
struct KubectlTests {
    static var kubectl: URL? { installedKubectl }

    final class Session: @unchecked Sendable {
        let directory = TemporaryDirectory("flightdeck-kubectl")
        let sim: SimulatedCluster

        init() async throws {
            sim = try await SimulatedCluster.start(.init(dataDirectory: URL(fileURLWithPath: directory.file("data")),
                timing: SimTiming(scale: 0.02), bookmarkInterval: .seconds(1)))
        }

        var environment: [String: String] {
            ["KUBECONFIG": sim.kubeconfigURL.path, "HOME": directory.path, "KUBECACHEDIR": directory.file("cache")]
        }

        func kubectl(_ arguments: String..., stdin: String? = nil) async throws -> ProductProcess.Result {
            try await ProductProcess(executable: KubectlTests.kubectl!).run(
                ["--request-timeout=20s"] + arguments, environment: environment, stdin: stdin)
        }

        func start(_ arguments: String...) throws -> ProductProcess.Running {
            try ProductProcess(executable: KubectlTests.kubectl!).start(arguments, environment: environment)
        }

        func write(_ name: String, _ text: String) throws -> String {
            let path = directory.file(name)
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
    }

    /// An agent Job as Flightdeck deploys it: restricted securityContext, a workspace PVC,
    /// a secret file, a ConfigMap, RBAC and a NetworkPolicy, in a PodSecurity-restricted
    /// namespace.
    static let manifests = """
        apiVersion: v1
        kind: Namespace
        metadata:
          name: lab
          labels:
            pod-security.kubernetes.io/enforce: restricted
            pod-security.kubernetes.io/warn: restricted
        ---
        apiVersion: v1
        kind: ServiceAccount
        metadata: {name: agent, namespace: lab}
        automountServiceAccountToken: false
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: Role
        metadata: {name: orchestrator, namespace: lab}
        rules:
        - apiGroups: [batch]
          resources: [jobs]
          verbs: [create, get, list, watch, patch, delete]
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: RoleBinding
        metadata: {name: orchestrator, namespace: lab}
        roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: orchestrator}
        subjects:
        - {kind: ServiceAccount, name: agent, namespace: lab}
        ---
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: agents-egress, namespace: lab}
        spec:
          podSelector: {matchLabels: {app.kubernetes.io/managed-by: flightdeck}}
          policyTypes: [Egress]
          egress:
          - ports: [{port: 53, protocol: UDP}, {port: 53, protocol: TCP}]
        ---
        apiVersion: v1
        kind: Secret
        metadata: {name: task-secrets, namespace: lab}
        stringData: {api-key: not-a-real-key}
        ---
        apiVersion: v1
        kind: PersistentVolumeClaim
        metadata: {name: workspace-agent-1, namespace: lab}
        spec:
          accessModes: [ReadWriteOnce]
          storageClassName: local-path
          resources: {requests: {storage: 1Gi}}
        ---
        apiVersion: batch/v1
        kind: Job
        metadata:
          name: agent-1
          namespace: lab
          labels: {app.kubernetes.io/managed-by: flightdeck}
        spec:
          backoffLimit: 2
          ttlSecondsAfterFinished: 3600
          template:
            metadata:
              labels: {app.kubernetes.io/managed-by: flightdeck}
              annotations: {kubectl.kubernetes.io/default-container: agent}
            spec:
              restartPolicy: Never
              automountServiceAccountToken: false
              enableServiceLinks: false
              securityContext:
                runAsNonRoot: true
                runAsUser: 1000
                runAsGroup: 1000
                fsGroup: 1000
                seccompProfile: {type: RuntimeDefault}
              containers:
              - name: agent
                image: ghcr.io/flightdeck/sim-agent:1
                env:
                - {name: JOB_ID, value: agent-1}
                - {name: WORKSPACE_PATH, value: /workspace}
                - {name: SIM_AGENT_STEPS, value: "3"}
                - {name: SIM_AGENT_PACE, value: "2"}
                securityContext:
                  allowPrivilegeEscalation: false
                  readOnlyRootFilesystem: true
                  capabilities: {drop: [ALL]}
                volumeMounts:
                - {name: workspace, mountPath: /workspace}
                - {name: secrets, mountPath: /var/secrets, readOnly: true}
              volumes:
              - name: workspace
                persistentVolumeClaim: {claimName: workspace-agent-1}
              - name: secrets
                secret: {secretName: task-secrets, defaultMode: 256}
        """

    @Test func applyGetDescribeLogsAndDelete() async throws {
        let session = try await Session()
        let file = try session.write("agent.yaml", Self.manifests)

        let applied = try await session.kubectl("apply", "-f", file)
        #expect(applied.status == 0, "\(applied.stderr)")
        for line in ["namespace/lab created", "serviceaccount/agent created", "role.rbac.authorization.k8s.io/orchestrator created",
            "networkpolicy.networking.k8s.io/agents-egress created", "persistentvolumeclaim/workspace-agent-1 created",
            "job.batch/agent-1 created"]
        {
            #expect(applied.stdout.contains(line), "missing \(line) in \(applied.stdout)")
        }
        let again = try await session.kubectl("apply", "-f", file)
        #expect(again.status == 0)
        #expect(again.stdout.contains("job.batch/agent-1 unchanged"))

        // create -f of what exists: the server's AlreadyExists, as kubectl prints it.
        let duplicate = try await session.kubectl("create", "-f", file)
        #expect(duplicate.status != 0)
        #expect(duplicate.stderr.contains("Error from server (AlreadyExists)"))
        #expect(duplicate.stderr.contains("jobs.batch \"agent-1\" already exists"))

        // logs -f follows the agent until its container ends.
        let logs = try await session.kubectl("logs", "-f", "job/agent-1", "-n", "lab", "--pod-running-timeout=60s")
        #expect(logs.status == 0, "\(logs.stderr)")
        #expect(logs.stdout.contains("\"kind\":\"thought\""))
        #expect(logs.stdout.contains("Done:"))

        let jobs = try await session.kubectl("get", "jobs", "-n", "lab")
        #expect(jobs.stdout.hasPrefix("NAME"))
        #expect(jobs.stdout.contains("COMPLETIONS"))
        try await eventually {
            try await session.kubectl("get", "job", "agent-1", "-n", "lab", "-o", "jsonpath={.status.succeeded}").stdout == "1"
        }
        let pvc = try await session.kubectl("get", "pvc,pv", "-n", "lab")
        #expect(pvc.stdout.contains("Bound"))
        #expect(pvc.stdout.contains("local-path"))
        let events = try await session.kubectl("get", "events", "-n", "lab")
        #expect(events.stdout.contains("SuccessfulCreate"))
        #expect(events.stdout.contains("Scheduled"))

        let describe = try await session.kubectl("describe", "pod", "-n", "lab", "-l", "job-name=agent-1")
        #expect(describe.status == 0)
        #expect(describe.stdout.contains("Successfully assigned lab/agent-1-"))
        #expect(describe.stdout.contains("ClaimName:  workspace-agent-1"))
        let describeJob = try await session.kubectl("describe", "job", "agent-1", "-n", "lab")
        #expect(describeJob.stdout.contains("Created pod: agent-1-"))

        // delete: the Job's pods go with it (Background propagation, garbage collector).
        let deleted = try await session.kubectl("delete", "job", "agent-1", "-n", "lab")
        #expect(deleted.stdout.contains("job.batch \"agent-1\" deleted"))
        try await eventually {
            try await session.kubectl("get", "pods", "-n", "lab", "-o", "name").stdout.isEmpty
        }
        await session.sim.stop()
    }

    @Test func aNonCompliantPodIsRejectedWithThePodSecurityMessage() async throws {
        let session = try await Session()
        _ = try await session.kubectl("create", "namespace", "locked")
        _ = try await session.kubectl("label", "namespace", "locked", "pod-security.kubernetes.io/enforce=restricted")
        let result = try await session.kubectl("run", "root", "-n", "locked", "--image=busybox", "--restart=Never")
        #expect(result.status != 0)
        #expect(result.stderr.contains("violates PodSecurity \"restricted:latest\""), "\(result.stderr)")
        await session.sim.stop()
    }

    @Test func getWatchPrintsChangesAsTheyHappen() async throws {
        let session = try await Session()
        // kubectl's output goes to a file the test can read while it runs.
        let outputPath = session.directory.file("watch.out")
        FileManager.default.createFile(atPath: outputPath, contents: nil)
        let process = Process()
        process.executableURL = KubectlTests.kubectl
        process.arguments = ["get", "configmaps", "-n", "agents", "-w", "--request-timeout=120s"]
        process.environment = ProcessInfo.processInfo.environment.merging(session.environment) { $1 }
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        process.standardError = FileHandle.nullDevice
        let watchersBefore = session.sim.store.watcherCount
        try process.run()
        defer { process.terminate() }
        // The watch is open once the server holds one more watcher.
        try await eventually { session.sim.store.watcherCount > watchersBefore }
        let created = try await session.kubectl("create", "configmap", "watched-one", "-n", "agents", "--from-literal=a=b")
        #expect(created.status == 0, "\(created.stderr)")
        try await eventually {
            ((try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "").contains("watched-one")
        }
        await session.sim.stop()
    }

    /// Flightdeck's own manifests, as `flightdeck manifests` prints them, through kubectl:
    /// the install bundle applied (and applied again: unchanged), a task created.
    @Test func applyAndCreateTheProductsOwnManifests() async throws {
        let session = try await Session()
        let flightdeck = ProductProcess("flightdeck")
        let install = try await flightdeck.run(["manifests", "install", "-n", "fleet"])
        #expect(install.status == 0, "\(install.stderr)")
        let bundle = try session.write("install.yaml", install.stdout)
        let applied = try await session.kubectl("apply", "-f", bundle)
        #expect(applied.status == 0, "\(applied.stderr)")
        #expect(applied.stdout.contains("namespace/fleet created"))
        #expect(applied.stdout.contains("role.rbac.authorization.k8s.io/"))
        #expect(!applied.stderr.contains("Warning"), "no PodSecurity warning: \(applied.stderr)")
        let again = try await session.kubectl("apply", "-f", bundle)
        #expect(again.status == 0)
        #expect(!again.stdout.contains("created"), "\(again.stdout)")

        let task = try await flightdeck.run(["manifests", "task", "-n", "fleet", "--image", "ghcr.io/flightdeck/sim-agent:1",
            "--prompt", "Fix the flaky test", "--env", "SIM_AGENT_STEPS=2", "--env", "SIM_AGENT_PACE=1"])
        #expect(task.status == 0, "\(task.stderr)")
        let created = try await session.kubectl("create", "-f", try session.write("task.yaml", task.stdout))
        #expect(created.status == 0, "\(created.stderr)")
        #expect(created.stdout.contains("job.batch/agent-"))
        #expect(created.stdout.contains("persistentvolumeclaim/workspace-agent-"))
        try await eventually {
            let jobs = try await session.kubectl("get", "jobs", "-n", "fleet", "-o", "jsonpath={.items[0].status.succeeded}")
            return jobs.stdout == "1"
        }
        await session.sim.stop()
    }

    @Test func authCanIAnswersFromRBAC() async throws {
        let session = try await Session()
        let yes = try await session.kubectl("auth", "can-i", "create", "jobs", "-n", "agents")
        #expect(yes.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "yes")
        await session.sim.stop()
    }

    /// Leases as an operator inspects leader election: `kubectl apply`, `get` with the HOLDER
    /// column, and a `replace` from a stale copy refused with the apiserver's Conflict.
    @Test func leasesApplyGetAndStaleReplace() async throws {
        let session = try await Session()
        let lease = """
            apiVersion: coordination.k8s.io/v1
            kind: Lease
            metadata:
              name: flightdeck-admitter
              namespace: agents
            spec:
              holderIdentity: keeper-a
              leaseDurationSeconds: 15
              acquireTime: "2026-12-04T20:00:00.000000Z"
              renewTime: "2026-12-04T20:00:00.000000Z"
              leaseTransitions: 0
            """
        let applied = try await session.kubectl("apply", "-f", try session.write("lease.yaml", lease))
        #expect(applied.status == 0, "\(applied.stderr)")
        #expect(applied.stdout.contains("lease.coordination.k8s.io/flightdeck-admitter created"), "\(applied.stdout)")
        let listed = try await session.kubectl("get", "leases", "-n", "agents")
        #expect(listed.status == 0, "\(listed.stderr)")
        let header = listed.stdout.split(separator: "\n").first.map(String.init) ?? ""
        #expect(header.split(separator: " ", omittingEmptySubsequences: true) == ["NAME", "HOLDER", "AGE"], "\(listed.stdout)")
        #expect(listed.stdout.contains("flightdeck-admitter") && listed.stdout.contains("keeper-a"), "\(listed.stdout)")

        // A copy at the current version, then someone else renews: replacing from the copy is a conflict.
        let stale = try await session.kubectl("get", "lease", "flightdeck-admitter", "-n", "agents", "-o", "yaml")
        #expect(stale.status == 0, "\(stale.stderr)")
        let renewed = try await session.kubectl("patch", "lease", "flightdeck-admitter", "-n", "agents", "--type=merge",
            "-p", #"{"spec":{"renewTime":"2026-12-04T20:00:05.000000Z"}}"#)
        #expect(renewed.status == 0, "\(renewed.stderr)")
        let takeover = stale.stdout.replacingOccurrences(of: "holderIdentity: keeper-a", with: "holderIdentity: keeper-b")
        let replaced = try await session.kubectl("replace", "-f", try session.write("stale.yaml", takeover))
        #expect(replaced.status != 0)
        #expect(replaced.stderr.contains("Conflict") || replaced.stderr.contains("the object has been modified"), "\(replaced.stderr)")
        let holder = try await session.kubectl("get", "lease", "flightdeck-admitter", "-n", "agents",
            "-o", "jsonpath={.spec.holderIdentity}")
        #expect(holder.stdout == "keeper-a")
        await session.sim.stop()
    }
}
