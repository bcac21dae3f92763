import FlightdeckCore
import FlightdeckTestSupport
import Foundation
import KubeModel
@testable import SimCluster

/// A store on the real clock (agents pace in real time), with a PV/PVC pair whose directory
/// is a temporary one, and a kubelet at a thousandth of real time.
struct KubeletBed {
    let directory = TemporaryDirectory("kubelet")
    let store = APIStore(configuration: APIStoreConfiguration(historyLimit: 100_000, watchBufferSize: 10_000, seed: 7))
    let kubelet: Kubelet
    var pvPath: String { directory.path + "/pv-workspace" }

    init(scale: Double = 0.001, agentRuntime: AgentRuntimeImage? = nil) throws {
        kubelet = Kubelet(store: store, configuration: KubeletConfiguration(dataDirectory: directory.path + "/node",
            timing: SimTiming(scale: scale), agentRuntime: agentRuntime))
        var pv = PersistentVolume()
        pv.metadata.name = "pvc-0001"
        pv.spec.hostPath = pvPath
        _ = try store.create(pv.json, type: .persistentVolumes)
        var pvc = PersistentVolumeClaim()
        pvc.metadata.name = "workspace-job-1"
        pvc.metadata.namespace = "default"
        pvc.spec.volumeName = "pvc-0001"
        _ = try store.create(pvc.json, type: .persistentVolumeClaims)
    }

    /// An agent pod: restore init container, Vector native sidecar, the agent on the PVC.
    func agentPod(_ name: String, restartPolicy: String = "Never", env: [String: String] = [:],
        finalizers: [String] = [], livenessProbe: JSONValue? = nil) -> JSONValue
    {
        var pod = Pod()
        pod.metadata.name = name
        pod.metadata.namespace = "default"
        if !finalizers.isEmpty { pod.metadata.finalizers = finalizers }
        pod.spec.nodeName = "flightdeck-sim"
        pod.spec.restartPolicy = restartPolicy
        var volumes = [Volume(), Volume()]
        volumes[0].name = "workspace"
        volumes[0].claimName = "workspace-job-1"
        volumes[1].name = "agent-logs"
        volumes[1].json.setMember("emptyDir", .emptyObject)
        pod.spec.volumes = volumes
        var restore = Container(name: "restore-workspace", image: "minio/mc:RELEASE.2024-10-02")
        restore.env = [EnvVar(name: "JOB_ID", value: "job-1"), EnvVar(name: "WORKSPACE_PATH", value: "/workspace")]
        restore.volumeMounts = [VolumeMount(name: "workspace", mountPath: "/workspace")]
        var shipper = Container(name: "log-shipper", image: "timberio/vector:0.56.0-distroless-libc")
        shipper.restartPolicy = "Always"
        shipper.args = ["--config", "/etc/vector/vector.yaml"]
        shipper.volumeMounts = [VolumeMount(name: "agent-logs", mountPath: "/var/log/agent")]
        pod.spec.initContainers = [restore, shipper]
        var agent = Container(name: "agent", image: "flightdeck/agent:dev")
        var variables = ["JOB_ID": "job-1", "WORKSPACE_PATH": "/workspace", "SIM_AGENT_STEPS": "4",
            "SIM_AGENT_PACE": "2", "SIM_AGENT_SEED": "5"]
        variables.merge(env) { $1 }
        agent.env = variables.keys.sorted().map { EnvVar(name: $0, value: variables[$0]!) }
        agent.volumeMounts = [VolumeMount(name: "workspace", mountPath: "/workspace"),
            VolumeMount(name: "agent-logs", mountPath: "/var/log/agent")]
        agent.livenessProbe = livenessProbe
        pod.spec.containers = [agent]
        return pod.json
    }

    func pod(_ name: String) -> Pod? {
        (try? store.get(type: .pods, namespace: "default", name: name)).map(Pod.init(json:))
    }

    /// Polls until the pod satisfies `condition` (the suite's time limit guards against a hang).
    @discardableResult
    func waitFor(_ name: String, _ condition: (Pod) -> Bool) async -> Pod {
        while true {
            if let pod = pod(name), condition(pod) { return pod }
            try? await Task.sleep(for: .milliseconds(5))
        }
    }

    func events(_ name: String) -> [(reason: String, message: String, component: String)] {
        let list = (try? store.list(type: .events, namespace: "default")) ?? .emptyObject
        return (list["items"]?.arrayValue ?? []).filter { $0[path: ["involvedObject", "name"]]?.stringValue == name }
            .map {
                ($0["reason"]?.stringValue ?? "", $0["message"]?.stringValue ?? "",
                    $0[path: ["source", "component"]]?.stringValue ?? "")
            }
    }
}

extension Pod {
    var phase: PodPhase? { status.phase }
    func container(_ name: String) -> ContainerStatus? { status.containerStatus(named: name) }
    func condition(_ type: String) -> Condition? { status.conditions.first(type: type) }
}
