import FlightdeckCore
import FlightdeckTestSupport
import Foundation
import KubeClient
import KubeModel
import SimCluster
import SimServer
import Testing

/// Kueue as a client meets it: through the real `KubeAPI` client over HTTPS and the real
/// `kubectl`. Against the sim, started with `kueue: true` (or without, for the 404s); with
/// `FLIGHTDECK_TEST_KUBECONFIG` naming a real cluster that runs Kueue, the same tests (but the
/// sim-only ones) run there: cluster-scoped objects get per-test names and are removed, and
/// errors are asserted by code and field, not sentence.
@Suite(.serialized, .timeLimit(.minutes(3))) struct KueueAPITests {
    final class Session: @unchecked Sendable {
        let directory = TemporaryDirectory("flightdeck-kueue")
        let sim: SimulatedCluster?
        let kubeconfigPath: String
        let api: KubeAPI
        let namespace: String
        /// Per-test suffix for cluster-scoped names.
        let suffix: String
        /// Simulated seconds an agent Job runs (`sh -c "sleep N"`).
        let runSeconds: Int
        var clusterScoped: [(ResourceType, String)] = []

        init(kueue: Bool = true) async throws {
            suffix = String(UUID().uuidString.prefix(6).lowercased())
            namespace = "fd-kueue-" + suffix
            if let real = TestCluster.realKubeconfig {
                sim = nil
                kubeconfigPath = real
                runSeconds = 3
            } else {
                let cluster = try await SimulatedCluster.start(.init(
                    dataDirectory: URL(fileURLWithPath: directory.file("data")), timing: SimTiming(scale: 0.01),
                    bookmarkInterval: .seconds(1), kueue: kueue))
                sim = cluster
                kubeconfigPath = cluster.kubeconfigURL.path
                runSeconds = 30
            }
            let connection = try TestCluster.loader(home: directory.path).load(kubeconfig: kubeconfigPath,
                namespace: namespace)
            api = KubeAPI(connection: connection, qps: 1000, burst: 1000)
            _ = try await api.create(.namespaces, ["apiVersion": "v1", "kind": "Namespace",
                "metadata": ["name": .string(namespace)]])
        }

        func finish() async {
            _ = try? await api.delete(.namespaces, name: namespace)
            for (type, name) in clusterScoped.reversed() { _ = try? await api.delete(type, name: name) }
            await sim?.stop()
        }

        /// Creates a cluster-scoped object and remembers to remove it.
        func createClusterScoped(_ type: ResourceType, _ object: JSONValue) async throws {
            _ = try await api.create(type, object)
            clusterScoped.append((type, object[path: ["metadata", "name"]]?.stringValue ?? ""))
        }

        /// The flavor, three priority classes, ClusterQueue `cq-<suffix>` (StrictFIFO, `pods`
        /// quota) and LocalQueue `homelab` for this test's namespace.
        func setUpQueue(pods: Int, held: Bool = false) async throws {
            try await createClusterScoped(.resourceFlavors, ["apiVersion": "kueue.x-k8s.io/v1beta1",
                "kind": "ResourceFlavor", "metadata": ["name": .string("flavor-\(suffix)")]])
            for (priority, value) in [("high", 300), ("normal", 200), ("low", 100)] {
                try await createClusterScoped(.workloadPriorityClasses, ["apiVersion": "kueue.x-k8s.io/v1beta1",
                    "kind": "WorkloadPriorityClass", "metadata": ["name": .string("\(priority)-\(suffix)")],
                    "value": .integer(Int64(value))])
            }
            var spec: JSONValue = [
                "namespaceSelector": ["matchLabels": ["kubernetes.io/metadata.name": .string(namespace)]],
                "queueingStrategy": "StrictFIFO",
                "resourceGroups": [[
                    "coveredResources": ["pods", "cpu", "memory"],
                    "flavors": [["name": .string("flavor-\(suffix)"), "resources": [
                        ["name": "pods", "nominalQuota": .integer(Int64(pods))],
                        ["name": "cpu", "nominalQuota": "100"], ["name": "memory", "nominalQuota": "1Ti"],
                    ]]],
                ]],
            ]
            if held { spec.setMember("stopPolicy", "Hold") }
            try await createClusterScoped(.clusterQueues, ["apiVersion": "kueue.x-k8s.io/v1beta1", "kind": "ClusterQueue",
                "metadata": ["name": .string(clusterQueue)], "spec": spec])
            _ = try await api.create(.localQueues, namespace: namespace, ["apiVersion": "kueue.x-k8s.io/v1beta1",
                "kind": "LocalQueue", "metadata": ["name": "homelab", "namespace": .string(namespace)],
                "spec": ["clusterQueue": .string(clusterQueue)]])
        }

        var clusterQueue: String { "cq-\(suffix)" }

        /// A suspended Job as submit creates it, unlabelled (not in any queue yet).
        func suspendedJob(_ name: String) -> JSONValue {
            ["apiVersion": "batch/v1", "kind": "Job",
                "metadata": ["name": .string(name), "namespace": .string(namespace)],
                "spec": ["suspend": true, "backoffLimit": 0, "template": ["spec": [
                    "restartPolicy": "Never",
                    "containers": [["name": "agent", "image": "busybox:1.36",
                        "command": ["sh", "-c", .string("sleep \(runSeconds)")],
                        "resources": ["requests": ["cpu": "10m", "memory": "16Mi"]]]],
                ]]]]
        }

        /// What submit's last step does when the cluster has Kueue.
        func enqueue(_ job: String, priority: String) async throws {
            _ = try await api.patch(.jobs, namespace: namespace, name: job, ["metadata": ["labels": [
                "kueue.x-k8s.io/queue-name": "homelab", "kueue.x-k8s.io/priority-class": .string("\(priority)-\(suffix)"),
            ]]])
        }

        var environment: [String: String] {
            ["KUBECONFIG": kubeconfigPath, "HOME": directory.path, "KUBECACHEDIR": directory.file("cache")]
        }

        func kubectl(_ arguments: String...) async throws -> ProductProcess.Result {
            try await ProductProcess(executable: installedKubectl!).run(["--request-timeout=20s"] + arguments,
                environment: environment)
        }
    }

    static func withSession(kueue: Bool = true, _ body: (Session) async throws -> Void) async throws {
        let session = try await Session(kueue: kueue)
        do {
            try await body(session)
        } catch {
            await session.finish()
            throw error
        }
        await session.finish()
    }

    static var onSim: Bool { TestCluster.realKubeconfig == nil }

    // MARK: - Served or not

    @Test(.enabled(if: onSim, "a real cluster's Kueue is whatever is installed"))
    func withoutKueueItsAPIIsNotFound() async throws {
        try await Self.withSession(kueue: false) { session in
            let groups = try await session.api.json(APIRequest(method: "GET", path: "/apis"))
            let names = (groups["groups"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
            #expect(!names.contains("kueue.x-k8s.io"))
            for path in ["/apis/kueue.x-k8s.io", "/apis/kueue.x-k8s.io/v1beta1", "/apis/kueue.x-k8s.io/v1beta1/clusterqueues",
                "/apis/kueue.x-k8s.io/v1beta1/namespaces/\(session.namespace)/workloads",
                "/openapi/v3/apis/kueue.x-k8s.io/v1beta1"]
            {
                do {
                    _ = try await session.api.json(APIRequest(method: "GET", path: path))
                    Issue.record("\(path) answered without Kueue")
                } catch let error as APIError {
                    #expect(error.code == 404, "\(path)")
                }
            }
        }
    }

    @Test func discoveryServesKueuesTypes() async throws {
        try await Self.withSession { session in
            let groups = try await session.api.json(APIRequest(method: "GET", path: "/apis"))
            let kueue = (groups["groups"]?.arrayValue ?? []).first { $0["name"]?.stringValue == "kueue.x-k8s.io" }
            #expect(kueue?[path: ["preferredVersion", "groupVersion"]] == "kueue.x-k8s.io/v1beta1")
            let group = try await session.api.json(APIRequest(method: "GET", path: "/apis/kueue.x-k8s.io"))
            #expect(group["name"] == "kueue.x-k8s.io")
            let list = try await session.api.json(APIRequest(method: "GET", path: "/apis/kueue.x-k8s.io/v1beta1"))
            let resources = list["resources"]?.arrayValue ?? []
            func resource(_ name: String) -> JSONValue? { resources.first { $0["name"]?.stringValue == name } }
            #expect(resource("clusterqueues")?["namespaced"] == false)
            #expect(resource("clusterqueues")?["kind"] == "ClusterQueue")
            #expect(resource("localqueues")?["namespaced"] == true)
            #expect(resource("workloads")?["namespaced"] == true)
            #expect(resource("workloads/status") != nil)
            #expect(resource("resourceflavors")?["namespaced"] == false)
            #expect(resource("workloadpriorityclasses")?["namespaced"] == false)
            let verbs = (resource("workloads")?["verbs"]?.arrayValue ?? []).compactMap(\.stringValue)
            #expect(verbs.contains("watch"))
        }
    }

    @Test(.enabled(if: installedKubectl != nil, "kubectl is not installed"))
    func kubectlGetPrintsKueuesColumns() async throws {
        try await Self.withSession { session in
            try await session.setUpQueue(pods: 1)
            let cq = try await session.kubectl("get", "clusterqueues", session.clusterQueue)
            #expect(cq.status == 0, "\(cq.stderr)")
            #expect(cq.stdout.split(separator: "\n").first.map { $0.split(separator: " ", omittingEmptySubsequences: true)
                .joined(separator: " ") } == "NAME COHORT PENDING WORKLOADS")
            let lq = try await session.kubectl("get", "localqueues", "-n", session.namespace)
            #expect(lq.status == 0, "\(lq.stderr)")
            #expect(lq.stdout.contains("CLUSTERQUEUE") && lq.stdout.contains("ADMITTED WORKLOADS"))
            #expect(lq.stdout.contains(session.clusterQueue))

            _ = try await session.api.create(.jobs, namespace: session.namespace, session.suspendedJob("first"))
            try await session.enqueue("first", priority: "normal")
            try await untilTrue {
                let job = try await session.api.get(.jobs, namespace: session.namespace, name: "first")
                return job[path: ["spec", "suspend"]] == false
            }
            let workloads = try await session.kubectl("get", "workloads", "-n", session.namespace)
            #expect(workloads.status == 0, "\(workloads.stderr)")
            let header = workloads.stdout.split(separator: "\n").first ?? ""
            for column in ["NAME", "QUEUE", "RESERVED IN", "ADMITTED", "FINISHED", "AGE"] {
                #expect(header.contains(column), "column \(column) in \(header)")
            }
            let row = workloads.stdout.split(separator: "\n").dropFirst().first ?? ""
            #expect(row.hasPrefix("job-first-"))
            #expect(row.contains("homelab") && row.contains(session.clusterQueue) && row.contains("True"))
            let short = try await session.kubectl("get", "wl", "-n", session.namespace, "-o", "name")
            #expect(short.stdout.hasPrefix("workload.kueue.x-k8s.io/job-first-"))
        }
    }

    /// Five labelled Jobs on a ClusterQueue of two pods: never more than two run at once, and
    /// they are admitted by priority, then by when they were queued — observed by watching Jobs.
    @Test func twoAtATimeInPriorityThenCreationOrder() async throws {
        try await Self.withSession { session in
            let ns = session.namespace
            // Held while every Job is queued, so order is decided among all five.
            try await session.setUpQueue(pods: 2, held: true)
            let plan = [("j1", "low"), ("j2", "normal"), ("j3", "high"), ("j4", "normal"), ("j5", "high")]
            for (name, _) in plan { _ = try await session.api.create(.jobs, namespace: ns, session.suspendedJob(name)) }
            let listed = try await session.api.list(.jobs, namespace: ns)
            let version = listed[path: ["metadata", "resourceVersion"]]?.stringValue ?? "0"
            let events = session.api.watch(.jobs, namespace: ns, options: ListOptions(resourceVersion: version,
                timeoutSeconds: 170))
            for (name, priority) in plan {
                try await session.enqueue(name, priority: priority)
                // Workloads' creation times have one-second resolution: queue them apart.
                try await Task.sleep(for: session.sim == nil ? .milliseconds(1100) : .milliseconds(30))
            }
            // Every Workload exists and waits before the queue opens.
            try await untilTrue {
                let workloads = try await session.api.list(.workloads, namespace: ns)
                return (workloads["items"]?.arrayValue ?? []).count == 5
            }
            _ = try await session.api.patch(.clusterQueues, name: session.clusterQueue, ["spec": ["stopPolicy": "None"]])

            var started: [String] = []
            var running: Set<String> = []
            var finished: Set<String> = []
            var most = 0
            for try await event in events where event.type == .added || event.type == .modified {
                let job = Job(json: event.object)
                guard let name = job.metadata.name else { continue }
                if job.isFinished {
                    running.remove(name)
                    finished.insert(name)
                    #expect(job.status.condition(.complete)?.isTrue == true, "\(name) failed")
                } else if job.spec.suspend == false, !running.contains(name), !finished.contains(name) {
                    running.insert(name)
                    started.append(name)
                }
                most = max(most, running.count)
                if finished.count == plan.count { break }
            }
            #expect(most == 2)
            #expect(started == ["j3", "j5", "j2", "j4", "j1"])

            let cq = try await session.api.get(.clusterQueues, name: session.clusterQueue)
            try await untilTrue {
                let cq = try await session.api.get(.clusterQueues, name: session.clusterQueue)
                return cq[path: ["status", "admittedWorkloads"]] == 0 && cq[path: ["status", "pendingWorkloads"]] == 0
            }
            _ = cq
            let workloads = try await session.api.list(.workloads, namespace: ns)
            for workload in workloads["items"]?.arrayValue ?? [] {
                let finished = (workload[path: ["status", "conditions"]]?.arrayValue ?? [])
                    .first { $0["type"] == "Finished" }
                #expect(finished?["status"] == "True")
            }
        }
    }

    /// A client watching Workloads sees one appear for a labelled Job and then its admission.
    @Test func watchingWorkloadsSeesCreationThenAdmission() async throws {
        try await Self.withSession { session in
            let ns = session.namespace
            try await session.setUpQueue(pods: 1)
            let listed = try await session.api.list(.workloads, namespace: ns)
            let version = listed[path: ["metadata", "resourceVersion"]]?.stringValue ?? "0"
            let events = session.api.watch(.workloads, namespace: ns, options: ListOptions(resourceVersion: version,
                timeoutSeconds: 60))
            _ = try await session.api.create(.jobs, namespace: ns, session.suspendedJob("watched"))
            try await session.enqueue("watched", priority: "high")
            var added = false
            for try await event in events where event.type != .bookmark {
                if event.type == .added {
                    added = true
                    #expect(event.object[path: ["spec", "queueName"]] == "homelab")
                    #expect(event.object[path: ["spec", "priority"]] == 300)
                }
                let admitted = (event.object[path: ["status", "conditions"]]?.arrayValue ?? [])
                    .contains { $0["type"] == "Admitted" && $0["status"] == "True" }
                if admitted {
                    #expect(event.object[path: ["status", "admission", "clusterQueue"]] == .string(session.clusterQueue))
                    break
                }
            }
            #expect(added)
        }
    }

    /// The orchestrator's Role (get/list/watch workloads and localqueues) is enough to read them,
    /// and nothing more.
    @Test(.enabled(if: onSim, "needs a user whose certificate the sim's CA signs"))
    func rbacGovernsKueuesTypes() async throws {
        try await Self.withSession { session in
            let ns = session.namespace
            _ = try await session.api.create(.roles, namespace: ns, ["apiVersion": "rbac.authorization.k8s.io/v1",
                "kind": "Role", "metadata": ["name": "reader", "namespace": .string(ns)],
                "rules": [["apiGroups": ["kueue.x-k8s.io"], "resources": ["workloads", "localqueues"],
                    "verbs": ["get", "list", "watch"]]]])
            _ = try await session.api.create(.roleBindings, namespace: ns, ["apiVersion": "rbac.authorization.k8s.io/v1",
                "kind": "RoleBinding", "metadata": ["name": "reader", "namespace": .string(ns)],
                "roleRef": ["apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "reader"],
                "subjects": [["kind": "User", "name": "watcher"]]])
            let kubeconfig = URL(fileURLWithPath: session.directory.file("watcher.yaml"))
            try session.sim!.writeKubeconfig(user: "watcher", to: kubeconfig)
            let connection = try TestCluster.loader(home: session.directory.path).load(kubeconfig: kubeconfig.path, namespace: ns)
            let watcher = KubeAPI(connection: connection)
            _ = try await watcher.list(.workloads, namespace: ns)
            _ = try await watcher.list(.localQueues, namespace: ns)
            do {
                _ = try await watcher.create(.localQueues, namespace: ns, ["apiVersion": "kueue.x-k8s.io/v1beta1",
                    "kind": "LocalQueue", "metadata": ["name": "sneaky"], "spec": ["clusterQueue": "any"]])
                Issue.record("a reader created a LocalQueue")
            } catch let error as APIError {
                #expect(error.code == 403)
            }
            do {
                _ = try await watcher.list(.clusterQueues)
                Issue.record("a namespaced reader listed ClusterQueues")
            } catch let error as APIError {
                #expect(error.code == 403)
            }
        }
    }

    @Test func invalidQueuesAreRefusedNamingTheField() async throws {
        try await Self.withSession { session in
            do {
                _ = try await session.api.create(.localQueues, namespace: session.namespace, [
                    "apiVersion": "kueue.x-k8s.io/v1beta1", "kind": "LocalQueue", "metadata": ["name": "bad"],
                    "spec": .emptyObject,
                ])
                Issue.record("a LocalQueue without a ClusterQueue was accepted")
            } catch let error as APIError {
                #expect(error.code == 422)
                #expect(error.status.details?.causes.contains { $0.field == "spec.clusterQueue" } == true)
            }
        }
    }
}

/// Polls (async) until `condition` holds; the suite's time limit is the hang guard.
private func untilTrue(_ condition: () async throws -> Bool) async throws {
    while true {
        if (try? await condition()) == true { return }
        try await Task.sleep(for: .milliseconds(10))
    }
}
