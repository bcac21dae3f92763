import FlightdeckCore
import Foundation
import KubeModel
@testable import SimCluster

/// Simulated time runs a thousand times faster: a 10-second back-off lasts 10 ms.
let fastTiming = SimTiming(scale: 0.001)

/// A running control plane over a store whose clock is the simulated one, in a fresh data
/// directory; stopped and cleaned up after `body`.
func withControlPlane<T>(timing: SimTiming = fastTiming, rootCAPEM: String = "",
    _ body: (APIStore, ControlPlane) async throws -> T) async throws -> T
{
    let clock = SimClock(start: Date(timeIntervalSince1970: 1_780_000_000), timing: timing)
    let store = APIStore(configuration: APIStoreConfiguration(historyLimit: 5000, watchBufferSize: 1000,
        clock: clock.closure, seed: 7))
    let directory = FileManager.default.temporaryDirectory
        .appendingPathComponent("flightdeck-sim-test-\(UUID().uuidString)")
    let controlPlane = ControlPlane(store: store,
        configuration: ControlPlane.Configuration(nodeName: "flightdeck-sim", dataDirectory: directory, timing: timing,
            rootCAPEM: rootCAPEM))
    controlPlane.start()
    do {
        let result = try await body(store, controlPlane)
        await controlPlane.stop()
        try? FileManager.default.removeItem(at: directory)
        return result
    } catch {
        await controlPlane.stop()
        try? FileManager.default.removeItem(at: directory)
        throw error
    }
}

/// Polls until `condition` holds. No deadline of its own: each suite's `.timeLimit`
/// is the hang guard, so a slow machine makes a test slower, never wrong.
func eventually(_ condition: () throws -> Bool) async throws {
    while true {
        if (try? condition()) == true { return }
        try await Task.sleep(for: .milliseconds(5))
    }
}

/// Polls until `value` returns something.
func eventually<T>(_ value: () throws -> T?) async throws -> T {
    while true {
        if let result = try? value() { return result }
        try await Task.sleep(for: .milliseconds(5))
    }
}

func fetch(_ store: APIStore, _ type: ResourceType, _ namespace: String? = "default", _ name: String) -> JSONValue? {
    try? store.get(type: type, namespace: type.namespaced ? namespace : nil, name: name)
}

/// `(reason, message)` of the Events about the object named `name`, oldest first.
func eventsAbout(_ store: APIStore, _ name: String, in namespace: String = "default") -> [(reason: String, message: String)] {
    let list = (try? store.list(type: .events, namespace: namespace,
        options: ListOptions(fieldSelector: "involvedObject.name=\(name)"))) ?? .emptyObject
    return items(list).map { ($0["reason"]?.stringValue ?? "", $0["message"]?.stringValue ?? "") }
}

func hasEvent(_ store: APIStore, _ name: String, _ reason: String, _ message: String? = nil,
    in namespace: String = "default") -> Bool
{
    eventsAbout(store, name, in: namespace).contains { $0.reason == reason && (message == nil || $0.message == message) }
}

/// The pods a Job owns, oldest first.
func jobPods(_ store: APIStore, _ namespace: String = "default", job jobName: String) -> [JSONValue] {
    let list = (try? store.list(type: .pods, namespace: namespace,
        options: ListOptions(labelSelector: "batch.kubernetes.io/job-name=\(jobName)"))) ?? .emptyObject
    return items(list).sorted {
        ($0[path: ["metadata", "creationTimestamp"]]?.stringValue ?? "", name($0))
            < ($1[path: ["metadata", "creationTimestamp"]]?.stringValue ?? "", name($1))
    }
}

func condition(_ object: JSONValue, _ type: String) -> JSONValue? {
    object[path: ["status", "conditions"]]?.arrayValue?.first { $0["type"]?.stringValue == type }
}

func conditionTypes(_ object: JSONValue) -> [String] {
    (object[path: ["status", "conditions"]]?.arrayValue ?? []).compactMap { $0["type"]?.stringValue }
}

/// A Job running one `agent` container.
func agentJob(_ name: String, spec extra: JSONValue = .emptyObject, podSpec: JSONValue = .emptyObject) -> JSONValue {
    var template: JSONValue = ["restartPolicy": "Never", "containers": [["name": "agent", "image": "agent:1"]]]
    for member in podSpec.members ?? [] { template.setMember(member.key, member.value) }
    var spec: JSONValue = ["template": ["spec": template]]
    for member in extra.members ?? [] { spec.setMember(member.key, member.value) }
    return ["apiVersion": "batch/v1", "kind": "Job", "metadata": ["name": .string(name)], "spec": spec]
}

/// Plays the kubelet: the pod ran and its `agent` container exited with `exitCode`.
func finishPod(_ store: APIStore, _ podName: String, exitCode: Int, conditions: [JSONValue] = [],
    in namespace: String = "default") throws
{
    let now = KubeTime.string(from: store.clock())
    var pod = try store.get(type: .pods, namespace: namespace, name: podName)
    let terminated: JSONValue = [
        "exitCode": .integer(Int64(exitCode)), "reason": exitCode == 0 ? "Completed" : "Error",
        "startedAt": .string(now), "finishedAt": .string(now),
    ]
    var status = pod["status"] ?? .emptyObject
    status.setMember("phase", exitCode == 0 ? "Succeeded" : "Failed")
    status.setMember("containerStatuses", [[
        "name": "agent", "ready": false, "restartCount": 0, "image": "agent:1", "started": false,
        "state": ["terminated": terminated],
    ]])
    if !conditions.isEmpty {
        status.setMember("conditions", .array((status["conditions"]?.arrayValue ?? []) + conditions))
    }
    pod.setMember("status", status)
    _ = try store.update(pod, type: .pods, namespace: namespace, subresource: "status")
}

func date(_ value: JSONValue?) -> Date? { value?.stringValue.flatMap(RFC3339.date(from:)) }

/// A Namespace named `name`.
func namespaceObject(_ name: String) -> JSONValue {
    ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(name)]]
}

func uid(_ object: JSONValue?) -> String? { object?[path: ["metadata", "uid"]]?.stringValue }

/// `object` when there is one and `accept` holds for it (for `eventually`: a bare `nil` in a
/// closure returning `JSONValue` would be JSON's null, a value).
func matching(_ object: JSONValue?, _ accept: (JSONValue) -> Bool) -> JSONValue? {
    guard let object, accept(object) else { return nil }
    return object
}
