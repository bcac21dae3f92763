import AgentManifests
import FlightdeckCore
import FlightdeckTestSupport
import Foundation
import KubeClient
import KubeModel
import SimServer
import Testing

/// Every manifest applied to the simulated cluster through the client, as `flightdeck install`
/// and the submit flow do: accepted, without a PodSecurity warning, and the agent's pod is
/// created by the Job controller under `restricted` enforcement and runs to completion.
@Suite(.timeLimit(.minutes(3))) struct AcceptanceTests {
    final class Cluster: @unchecked Sendable {
        let directory = TemporaryDirectory("flightdeck-manifests")
        let sim: SimulatedCluster
        let api: KubeAPI

        init() async throws {
            sim = try await SimulatedCluster.start(.init(dataDirectory: URL(fileURLWithPath: directory.file("data")),
                bookmarkInterval: .seconds(1)))
            let loader = KubeconfigLoader(environment: [:], homeDirectory: directory.path, workingDirectory: directory.path,
                k3sConfigPath: directory.file("no-k3s.yaml"), serviceAccountDirectory: directory.file("no-sa"))
            let connection = try loader.load(kubeconfig: sim.kubeconfigURL.path)
            api = KubeAPI(connection: connection, qps: 1000, burst: 1000)
        }

        /// POSTs `object`; returns the stored object and the response's Warning headers.
        func create(_ object: JSONValue) async throws -> (object: JSONValue, warnings: [String]) {
            let type = try #require(ResourceType.forKind(object["kind"]!.stringValue!, apiVersion: object["apiVersion"]!.stringValue!))
            let namespace = type.namespaced ? object[path: ["metadata", "namespace"]]?.stringValue : nil
            let response = try await api.perform(.create(type, namespace: namespace, object: object))
            let warnings = response.head.headers.filter { $0.name == "warning" }.map(\.value)
            return (try JSONParser().parse(response.body), warnings)
        }
    }

    /// Runs `body` on a fresh simulated cluster and always stops it.
    static func withCluster(_ body: (Cluster) async throws -> Void) async throws {
        let cluster = try await Cluster()
        do {
            try await body(cluster)
        } catch {
            await cluster.sim.stop()
            throw error
        }
        await cluster.sim.stop()
    }

    @Test func theInstallBundleIsAcceptedWithoutWarnings() async throws {
        try await Self.withCluster { cluster in
            for settings in [Fixtures.settings.with(namespace: "fd-default"), Fixtures.objectStoreSettings.with(namespace: "fd-store"),
                Fixtures.externalSettings.with(namespace: "fd-external")]
            {
                let bundle = Fixtures.installObjects(settings)
                for object in bundle {
                    let (_, warnings) = try await cluster.create(object)
                    #expect(warnings.isEmpty, "\(object["kind"]!) \(object[path: ["metadata", "name"]]!): \(warnings)")
                }
            }
            // The Deployments' pods are created by their ReplicaSets under `restricted`
            // enforcement (a refused pod would be a FailedCreate, never a pod) and run ready.
            for settings in [Fixtures.settings.with(namespace: "fd-default"), Fixtures.objectStoreSettings.with(namespace: "fd-store")] {
                for deployment in Fixtures.installObjects(settings) where deployment["kind"] == "Deployment" {
                    let name = deployment[path: ["metadata", "name"]]!.stringValue!
                    while true {
                        let live = try await cluster.api.get(.deployments, namespace: settings.namespace, name: name)
                        if live[path: ["status", "availableReplicas"]]?.int64Value == 1 { break }
                        let events = try await cluster.api.list(.events, namespace: settings.namespace)
                        if let refused = events["items"]?.arrayValue?.first(where: { $0["reason"] == "FailedCreate" }) {
                            Issue.record("\(name): the ReplicaSet could not create its pod: \(refused["message"] ?? "")")
                            return
                        }
                        try await Task.sleep(for: .milliseconds(50))
                    }
                }
            }
        }
    }

    /// Without identities and with an object store, and with the job's NATS credentials (the
    /// Secret's item mounted in the agent and, alone, in the Vector sidecar).
    @Test(arguments: [(objectStore: false, natsCredentials: false), (objectStore: true, natsCredentials: false),
        (objectStore: false, natsCredentials: true)])
    func anAgentTaskRunsUnderRestrictedEnforcement(objectStore: Bool, natsCredentials: Bool) async throws {
        try await Self.withCluster { cluster in
            try await Self.runTask(on: cluster, objectStore: objectStore, natsCredentials: natsCredentials)
        }
    }

    static func runTask(on cluster: Cluster, objectStore: Bool, natsCredentials: Bool = false) async throws {
        let settings = (objectStore ? Fixtures.objectStoreSettings : Fixtures.settings).with(namespace: "fd-task")
        for object in InstallManifests.all(settings, natsAuthorization: natsCredentials ? Fixtures.natsAuthorization : .insecure) {
            _ = try await cluster.create(object)
        }
        if let store = settings.objectStore {
            _ = try await cluster.create(["apiVersion": "v1", "kind": "Secret",
                "metadata": ["name": .string(store.credentialsSecret), "namespace": .string(settings.namespace)],
                "stringData": ["accessKey": "minio", "secretKey": "minio-secret"]])
        }

        // The submit flow: the Job suspended, then its claim and Secret owned by it, then go.
        let task = Fixtures.task
        let credentials = natsCredentials ? Fixtures.natsCredentials : nil
        let (job, jobWarnings) = try await cluster.create(TaskManifests.job(task, settings: settings, suspended: true,
            natsCredentials: natsCredentials))
        #expect(jobWarnings.isEmpty, "\(jobWarnings)")
        let owner = OwnerReference.controller(Job(json: job))
        for object in [TaskManifests.workspaceClaim(task, settings: settings, owner: owner),
            TaskManifests.secret(task, settings: settings, owner: owner, natsCredentials: credentials)]
        {
            let (stored, warnings) = try await cluster.create(object)
            #expect(warnings.isEmpty)
            #expect(ObjectMeta(json: stored["metadata"]!).ownerReferences.first?.uid == owner.uid)
        }
        let name = TaskManifests.jobName(task)
        _ = try await cluster.api.patch(.jobs, namespace: settings.namespace, name: name, ["spec": ["suspend": false]])

        // The Job controller's pod passes PodSecurity `restricted` (else: FailedCreate, no pod),
        // and the simulated agent, its sidecars and its liveness probe run it to success.
        var succeeded = false
        while !succeeded {
            let live = try await cluster.api.get(.jobs, namespace: settings.namespace, name: name)
            let conditions = live[path: ["status", "conditions"]]?.arrayValue ?? []
            if conditions.contains(where: { $0["type"] == "Failed" && $0["status"] == "True" }) {
                let events = try await cluster.api.list(.events, namespace: settings.namespace)
                Issue.record("the Job failed: \(conditions) \(events["items"]?.arrayValue?.compactMap { $0["message"] } ?? [])")
                return
            }
            succeeded = live[path: ["status", "succeeded"]]?.int64Value == 1
            if !succeeded {
                // A pod PodSecurity refuses never exists: the Job controller records FailedCreate.
                let events = try await cluster.api.list(.events, namespace: settings.namespace)
                if let refused = events["items"]?.arrayValue?.first(where: { $0["reason"] == "FailedCreate" }) {
                    Issue.record("the Job controller could not create the pod: \(refused["message"] ?? "")")
                    return
                }
                try await Task.sleep(for: .milliseconds(50))
            }
        }
        let pods = try await cluster.api.list(.pods, namespace: settings.namespace,
            options: ListOptions(labelSelector: "flightdeck.dev/task-uuid=\(task.uuid)"))
        let pod = try #require(pods["items"]?.arrayValue?.first)
        let initNames = pod[path: ["spec", "initContainers"]]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
        #expect(initNames == (objectStore ? ["log-shipper", "restore-workspace", "snapshot"] : ["log-shipper"]))
        let events = try await cluster.api.list(.events, namespace: settings.namespace)
        let reasons = events["items"]?.arrayValue?.compactMap { $0["reason"]?.stringValue } ?? []
        #expect(!reasons.contains("FailedCreate"), "\(reasons)")

        // The sidecar ran Vector with the config that matches the Job: with credentials, the one
        // that authenticates.
        let podName = try #require(pod[path: ["metadata", "name"]]?.stringValue)
        var log: [UInt8] = []
        for try await chunk in cluster.api.logs(namespace: settings.namespace, pod: podName,
            options: PodLogOptions(container: "log-shipper"))
        {
            log += chunk
        }
        let text = String(decoding: log, as: UTF8.self)
        let config = natsCredentials ? "/etc/vector/vector.yaml" : "/etc/vector/vector-no-auth.yaml"
        #expect(text.contains("Loading configs. paths=[\"\(config)\"]"), "\(text)")
        #expect(text.contains("Vector has started."))
    }
}

extension ClusterSettings {
    func with(namespace: String) -> ClusterSettings {
        var copy = self
        copy.namespace = namespace
        return copy
    }
}
