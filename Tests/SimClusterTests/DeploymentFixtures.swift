import FlightdeckCore
import Foundation
import KubeModel
@testable import SimCluster

/// A Deployment of `replicas` pods labelled `app: <name>`, one `server` container of `image`.
/// Its progress deadline is a simulated day (the API's ten minutes pass in 0.6 s at the
/// tests' speed, which a loaded machine can take between two steps); `nil` leaves the default.
func deployment(_ name: String, replicas: Int = 1, image: String = "registry.example/server:1",
    strategy: String? = nil, progressDeadline: Int? = 86_400, spec extra: JSONValue = .emptyObject) -> JSONValue
{
    var spec: JSONValue = [
        "replicas": .integer(Int64(replicas)),
        "selector": ["matchLabels": ["app": .string(name)]],
        "template": [
            "metadata": ["labels": ["app": .string(name)]],
            "spec": ["containers": [["name": "server", "image": .string(image)]]],
        ],
    ]
    if let strategy { spec.setMember("strategy", ["type": .string(strategy)]) }
    if let progressDeadline { spec.setMember("progressDeadlineSeconds", .integer(Int64(progressDeadline))) }
    for member in extra.members ?? [] { spec.setMember(member.key, member.value) }
    return ["apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": .string(name)], "spec": spec]
}

/// The ReplicaSets a Deployment owns, oldest first.
func replicaSets(_ store: APIStore, of deploymentName: String, in namespace: String = "default") -> [JSONValue] {
    guard let uid = fetch(store, .deployments, namespace, deploymentName)?[path: ["metadata", "uid"]] else { return [] }
    return owned(store, .replicaSets, by: uid, in: namespace)
}

/// The pods a ReplicaSet owns, oldest first.
func pods(_ store: APIStore, of replicaSetName: String, in namespace: String = "default") -> [JSONValue] {
    guard let uid = fetch(store, .replicaSets, namespace, replicaSetName)?[path: ["metadata", "uid"]] else { return [] }
    return owned(store, .pods, by: uid, in: namespace)
}

/// Every pod of a Deployment (through its ReplicaSets).
func deploymentPods(_ store: APIStore, of deploymentName: String, in namespace: String = "default") -> [JSONValue] {
    replicaSets(store, of: deploymentName, in: namespace).flatMap { pods(store, of: name($0), in: namespace) }
}

func owned(_ store: APIStore, _ type: ResourceType, by uid: JSONValue, in namespace: String) -> [JSONValue] {
    let list = (try? store.list(type: type, namespace: namespace)) ?? .emptyObject
    return items(list).filter { object in
        (object[path: ["metadata", "ownerReferences"]]?.arrayValue ?? []).contains {
            $0["uid"] == uid && $0["controller"] == true
        }
    }.sorted {
        ($0[path: ["metadata", "creationTimestamp"]]?.stringValue ?? "", name($0))
            < ($1[path: ["metadata", "creationTimestamp"]]?.stringValue ?? "", name($1))
    }
}

/// Plays the kubelet: the pod runs and its container is ready.
func markReady(_ store: APIStore, _ podName: String, in namespace: String = "default") throws {
    // A controller may change the pod between the read and the write (409 Conflict): read
    // it again and retry, as the kubelet's status updates do.
    for _ in 0..<9 {
        do {
            return try markReadyOnce(store, podName, in: namespace)
        } catch let status as Status where status.code == 409 {
            continue
        }
    }
    try markReadyOnce(store, podName, in: namespace)
}

private func markReadyOnce(_ store: APIStore, _ podName: String, in namespace: String) throws {
    let now = KubeTime.string(from: store.clock())
    var pod = try store.get(type: .pods, namespace: namespace, name: podName)
    var status = pod["status"] ?? .emptyObject
    status.setMember("phase", "Running")
    status.setMember("conditions", [
        ["type": "Ready", "status": "True", "lastProbeTime": .null, "lastTransitionTime": .string(now)],
        ["type": "ContainersReady", "status": "True", "lastProbeTime": .null, "lastTransitionTime": .string(now)],
    ])
    status.setMember("containerStatuses", [[
        "name": "server", "ready": true, "restartCount": 0, "started": true,
        "state": ["running": ["startedAt": .string(now)]],
    ]])
    pod.setMember("status", status)
    _ = try store.update(pod, type: .pods, namespace: namespace, subresource: "status")
}

/// Plays the kubelet: every pod of the Deployment is ready.
func markAllReady(_ store: APIStore, deployment deploymentName: String, in namespace: String = "default") throws {
    for pod in deploymentPods(store, of: deploymentName, in: namespace)
    where pod[path: ["status", "phase"]]?.stringValue != "Running" {
        try markReady(store, name(pod), in: namespace)
    }
}

/// The Deployment once its status says every replica is updated and available for its
/// current generation (what `kubectl rollout status` waits for).
func rolledOut(_ store: APIStore, _ deploymentName: String, replicas: Int64, in namespace: String = "default")
    -> JSONValue?
{
    guard let object = fetch(store, .deployments, namespace, deploymentName) else { return nil }
    let status = object["status"] ?? .emptyObject
    let generation = object[path: ["metadata", "generation"]]?.int64Value ?? 0
    guard (status["observedGeneration"]?.int64Value ?? 0) >= generation,
        status["updatedReplicas"]?.int64Value ?? 0 == replicas, status["replicas"]?.int64Value ?? 0 == replicas,
        status["availableReplicas"]?.int64Value ?? 0 == replicas
    else { return nil }
    return object
}
