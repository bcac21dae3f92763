import AgentManifests
import FlightdeckCore
import FlightdeckTestSupport
import Foundation
import KubeClient
import KubeModel
import SimCluster
import SimServer
import Testing

/// The Kueue objects `flightdeck install` adds for the configured queues. Kueue's kinds are
/// custom resources, which kubernetes-validate does not know: their shape is asserted here,
/// and the last test applies them to the sim serving Kueue and watches a Job labelled as
/// submit labels it get admitted.
@Suite(.timeLimit(.minutes(2))) struct KueueManifestsTests {
    static func queues() throws -> QueueConfiguration {
        try ManifestConfig.parse("""
            queues:
              - name: homelab
                limit: 2
                cpu: "4"
                memory: 16Gi
              - name: batch
                limit: 1
                default: true
            """, file: "/c/config.yaml").queues
    }

    static func kind(_ object: JSONValue) -> String { object["kind"]?.stringValue ?? "" }
    static func name(_ object: JSONValue) -> String { object[path: ["metadata", "name"]]?.stringValue ?? "" }

    @Test func nothingWithoutQueues() {
        #expect(InstallManifests.kueue(QueueConfiguration(), settings: ClusterSettings()).isEmpty)
    }

    @Test func objectsInApplyOrder() throws {
        let objects = InstallManifests.kueue(try Self.queues(), settings: ClusterSettings(namespace: "agents"))
        #expect(objects.map { "\(Self.kind($0))/\(Self.name($0))" } == [
            "ResourceFlavor/flightdeck",
            "WorkloadPriorityClass/flightdeck-high", "WorkloadPriorityClass/flightdeck-normal",
            "WorkloadPriorityClass/flightdeck-low",
            "ClusterQueue/flightdeck-homelab", "LocalQueue/homelab",
            "ClusterQueue/flightdeck-batch", "LocalQueue/batch",
        ])
        for object in objects {
            #expect(object["apiVersion"] == "kueue.x-k8s.io/v1beta1")
            #expect(object[path: ["metadata", "labels", "app.kubernetes.io/managed-by"]] == "flightdeck")
            let type = ResourceType.forKind(Self.kind(object), apiVersion: "kueue.x-k8s.io/v1beta1")
            #expect(type != nil)
            #expect((object[path: ["metadata", "namespace"]] != nil) == (type?.namespaced == true))
        }
    }

    @Test func priorityClassesAreTheOnesSubmitNames() throws {
        let objects = InstallManifests.kueue(try Self.queues(), settings: ClusterSettings())
        for priority in TaskPriority.allCases {
            let object = objects.first { Self.name($0) == FlightdeckLabels.kueuePriorityClass(priority) }
            #expect(object?["kind"] == "WorkloadPriorityClass")
            #expect(object?["value"] == .integer(Int64(InstallManifests.kueuePriorityValue(priority))))
        }
        #expect(InstallManifests.kueuePriorityValue(.high) > InstallManifests.kueuePriorityValue(.normal))
        #expect(InstallManifests.kueuePriorityValue(.normal) > InstallManifests.kueuePriorityValue(.low))
    }

    @Test func clusterQueueCoversPodsCPUAndMemory() throws {
        let objects = InstallManifests.kueue(try Self.queues(), settings: ClusterSettings(namespace: "lab"))
        let homelab = try #require(objects.first { Self.name($0) == "flightdeck-homelab" })
        #expect(homelab["spec"] == [
            "namespaceSelector": ["matchLabels": ["kubernetes.io/metadata.name": "lab"]],
            "queueingStrategy": "StrictFIFO",
            "resourceGroups": [[
                "coveredResources": ["pods", "cpu", "memory"],
                "flavors": [["name": "flightdeck", "resources": [
                    ["name": "pods", "nominalQuota": "2"],
                    ["name": "cpu", "nominalQuota": "4"],
                    ["name": "memory", "nominalQuota": "16Gi"],
                ]]],
            ]],
        ])
        // A quota the queue leaves unset is still covered (Kueue refuses uncovered resources).
        let batch = try #require(objects.first { Self.name($0) == "flightdeck-batch" })
        let resources = batch[path: ["spec", "resourceGroups"]]?[0]?[path: ["flavors"]]?[0]?["resources"]?.arrayValue ?? []
        #expect(resources.map { $0["name"]?.stringValue ?? "" } == ["pods", "cpu", "memory"])
        #expect(resources[0]["nominalQuota"] == "1")
        #expect(resources[1]["nominalQuota"] == .string(InstallManifests.kueueUnlimitedCPU))
        #expect(resources[2]["nominalQuota"] == .string(InstallManifests.kueueUnlimitedMemory))
        for resource in resources {
            #expect(Quantity(jsonValue: resource["nominalQuota"] ?? .null) != nil)
        }

        let local = try #require(objects.first { Self.kind($0) == "LocalQueue" && Self.name($0) == "homelab" })
        #expect(local[path: ["metadata", "namespace"]] == "lab")
        #expect(local["spec"] == ["clusterQueue": "flightdeck-homelab"])
    }

    @Test func orchestratorRoleReadsWorkloadsAndLocalQueues() {
        let role = InstallManifests.all(ClusterSettings(), natsAuthorization: .insecure).first { $0["kind"] == "Role" }
        let rule = (role?["rules"]?.arrayValue ?? []).first { $0["apiGroups"] == ["kueue.x-k8s.io"] }
        #expect(rule == ["apiGroups": ["kueue.x-k8s.io"], "resources": ["workloads", "localqueues"],
            "verbs": ["get", "list", "watch"]])
    }

    @Test func rendersAsYAML() throws {
        let text = ManifestYAML.encode(InstallManifests.kueue(try Self.queues(), settings: ClusterSettings()))
        #expect(text.contains("kind: ClusterQueue"))
        #expect(text.contains("queueingStrategy: StrictFIFO"))
    }

    /// Applied to a cluster with Kueue (the sim), the objects admit a Job labelled as submit
    /// labels it, in the agents' namespace.
    @Test func appliedObjectsAdmitASubmittedJob() async throws {
        let directory = TemporaryDirectory("flightdeck-kueue-install")
        let sim = try await SimulatedCluster.start(.init(dataDirectory: URL(fileURLWithPath: directory.file("data")),
            timing: SimTiming(scale: 0.01), namespace: "agents", kueue: true))
        do {
            let connection = try KubeconfigLoader(environment: [:], homeDirectory: directory.path,
                workingDirectory: directory.path, k3sConfigPath: directory.file("none"),
                serviceAccountDirectory: directory.file("none")).load(kubeconfig: sim.kubeconfigURL.path, namespace: "agents")
            let api = KubeAPI(connection: connection)
            for object in InstallManifests.kueue(try Self.queues(), settings: ClusterSettings(namespace: "agents")) {
                let type = try #require(ResourceType.forKind(Self.kind(object), apiVersion: "kueue.x-k8s.io/v1beta1"))
                _ = try await api.create(type, namespace: object[path: ["metadata", "namespace"]]?.stringValue, object)
            }
            let job: JSONValue = ["apiVersion": "batch/v1", "kind": "Job", "metadata": ["name": "agent-1"],
                "spec": ["suspend": true, "template": ["spec": ["restartPolicy": "Never",
                    "containers": [["name": "agent", "image": "busybox:1.36", "command": ["sh", "-c", "sleep 5"],
                        "resources": ["requests": ["cpu": "500m", "memory": "256Mi"]]]]]]]]
            _ = try await api.create(.jobs, namespace: "agents", job)
            _ = try await api.patch(.jobs, namespace: "agents", name: "agent-1", ["metadata": ["labels": .object([
                .init(FlightdeckLabels.kueueQueueName, "homelab"),
                .init(FlightdeckLabels.kueuePriorityClassLabel, .string(FlightdeckLabels.kueuePriorityClass(.high))),
            ])]])
            while true {
                let current = try await api.get(.jobs, namespace: "agents", name: "agent-1")
                if current[path: ["spec", "suspend"]] == false { break }
                try await Task.sleep(for: .milliseconds(10))
            }
            let workloads = try await api.list(.workloads, namespace: "agents")
            let workload = try #require(workloads["items"]?.arrayValue?.first)
            #expect(workload[path: ["spec", "priority"]] == 300)
            #expect(workload[path: ["status", "admission", "clusterQueue"]] == "flightdeck-homelab")
        } catch {
            await sim.stop()
            throw error
        }
        await sim.stop()
    }
}
