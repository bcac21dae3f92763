import AgentManifests
import FlightdeckCore
import FlightdeckTestSupport
import Foundation
import KubeClient
import KubeModel
import Orchestrator
import SimCluster
import SimServer

/// A cluster for admission tests: the simulated cluster (fast timing) — or, when
/// `FLIGHTDECK_TEST_KUBECONFIG` names one, a real cluster, which the tests must pass against
/// unchanged. Each test works in a namespace of its own, removed at the end.
///
/// What the tests rely on is only what any API server gives: Jobs, Leases, watches,
/// optimistic concurrency. Slots are freed by deleting running Jobs, which works whether or not
/// their pods can run (a real cluster cannot pull the simulated agent's image).
final class AdmissionCluster: @unchecked Sendable {
    let directory = TemporaryDirectory("flightdeck-admission")
    let sim: SimulatedCluster?
    let kubeconfig: String
    let api: KubeAPI
    let namespace: String

    static var realKubeconfig: String? {
        ProcessInfo.processInfo.environment["FLIGHTDECK_TEST_KUBECONFIG"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// `kueue`: the simulated cluster serves Kueue and runs its admission (a real cluster must
    /// have Kueue installed for the tests that ask for it).
    init(kueue: Bool = false) async throws {
        namespace = "fd-queue-" + UUID().uuidString.prefix(8).lowercased()
        if let real = Self.realKubeconfig {
            sim = nil
            kubeconfig = real
        } else {
            let cluster = try await SimulatedCluster.start(.init(dataDirectory: URL(fileURLWithPath: directory.file("data")),
                timing: SimTiming(scale: 0.02), bookmarkInterval: .seconds(1), kueue: kueue))
            sim = cluster
            kubeconfig = cluster.kubeconfigURL.path
        }
        let loader = KubeconfigLoader(environment: [:], homeDirectory: directory.path, workingDirectory: directory.path,
            k3sConfigPath: directory.file("none"), serviceAccountDirectory: directory.file("none"))
        api = KubeAPI(connection: try loader.load(kubeconfig: kubeconfig, namespace: namespace), qps: 1000, burst: 1000)
        _ = try await api.create(.namespaces, ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(namespace)]])
    }

    func finish() async {
        _ = try? await api.delete(.namespaces, name: namespace)
        await sim?.stop()
    }

    /// A queued agent Job as a submission leaves it under Flightdeck's admission: suspended,
    /// labelled with its queue, priority and `admission=queued`. `steps`: how long its
    /// simulated agent runs (the sim only).
    func enqueue(_ name: String, priority: TaskPriority, queue: String = "homelab", steps: Int = 400,
        mode: AdmissionMode = .flightdeck) async throws
    {
        var labels: JSONValue = [
            FlightdeckLabels.managedBy: .string(FlightdeckLabels.managedByValue),
            FlightdeckLabels.component: .string(FlightdeckLabels.agentComponent),
            FlightdeckLabels.queue: .string(queue), FlightdeckLabels.priority: .string(priority.rawValue),
            FlightdeckLabels.admission: .string(FlightdeckLabels.admissionQueued),
        ]
        if mode == .kueue {
            labels.setMember(FlightdeckLabels.kueueQueueName, .string(queue))
            labels.setMember(FlightdeckLabels.kueuePriorityClassLabel, .string(FlightdeckLabels.kueuePriorityClass(priority)))
        }
        _ = try await api.create(.jobs, namespace: namespace, [
            "apiVersion": "batch/v1", "kind": "Job",
            "metadata": ["name": .string(name), "labels": labels],
            "spec": ["suspend": true, "backoffLimit": 0, "template": ["spec": [
                "restartPolicy": "Never",
                "containers": [["name": "agent", "image": "sim-agent",
                    "resources": ["requests": ["cpu": "100m", "memory": "64Mi"]],
                    "env": [["name": "JOB_ID", "value": .string(name)],
                        ["name": "SIM_AGENT_STEPS", "value": .string(String(steps))], ["name": "SIM_AGENT_PACE", "value": "5"]]]],
            ]]],
        ])
    }

    /// The Jobs' resource version now: a watch from here sees everything after.
    func jobsVersion() async throws -> String {
        try await api.list(.jobs, namespace: namespace)[path: ["metadata", "resourceVersion"]]?.stringValue ?? "0"
    }

    /// Names of the Jobs running now (unsuspended, not finished), as the API server says.
    func running() async throws -> Set<String> {
        let items = try await api.list(.jobs, namespace: namespace)["items"]?.arrayValue ?? []
        return Set(items.map(Job.init(json:)).filter { $0.spec.suspend != true && !$0.isFinished }.compactMap(\.metadata.name))
    }

    func delete(_ name: String) async throws {
        _ = try await api.delete(.jobs, namespace: namespace, name: name, options: DeleteOptions(propagationPolicy: .background))
    }
}
