import FlightdeckCore
import Foundation
import KubeModel
@testable import SimCluster

/// A store with a fixed clock and seed, so timestamps, uids and names are exact.
func makeStore(historyLimit: Int = 1000, watchBufferSize: Int = 100) -> APIStore {
    APIStore(configuration: APIStoreConfiguration(historyLimit: historyLimit, watchBufferSize: watchBufferSize,
        clock: { Date(timeIntervalSince1970: 1_780_000_000.75) }, seed: 42))
}

let fixedTimestamp = "2026-05-28T20:26:40Z"

func job(_ name: String?, namespace: String? = nil, labels: [String: String] = [:], extra: JSONValue? = nil)
    -> JSONValue
{
    var metadata: JSONValue = .emptyObject
    if let name { metadata.setMember("name", .string(name)) }
    if let namespace { metadata.setMember("namespace", .string(namespace)) }
    if !labels.isEmpty { metadata.setMember("labels", JSONValue.sortedStringMap(labels)) }
    var object: JSONValue = [
        "apiVersion": "batch/v1", "kind": "Job", "metadata": metadata,
        "spec": ["parallelism": 1, "template": ["spec": ["containers": [["name": "agent", "image": "x"]]]]],
    ]
    if let extra { object.setMember("x-extra", extra) }
    return object
}

func configMap(_ name: String, labels: [String: String] = [:], data: String = "v") -> JSONValue {
    var metadata: JSONValue = ["name": .string(name)]
    if !labels.isEmpty { metadata.setMember("labels", JSONValue.sortedStringMap(labels)) }
    return ["apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata, "data": ["k": .string(data)]]
}

/// The `Status` an operation threw, or `nil` when it succeeded.
func thrownStatus<T>(_ body: () throws(Status) -> T) -> Status? {
    do {
        _ = try body()
        return nil
    } catch { return error }
}

func rv(_ object: JSONValue) -> String { object[path: ["metadata", "resourceVersion"]]?.stringValue ?? "" }
func name(_ object: JSONValue) -> String { object[path: ["metadata", "name"]]?.stringValue ?? "" }
func items(_ list: JSONValue) -> [JSONValue] { list["items"]?.arrayValue ?? [] }
func names(_ list: JSONValue) -> [String] { items(list).map(name) }

/// Reads events until `count` arrived or the stream ended.
func collect(_ subscription: WatchSubscription, count: Int) async -> [WatchEvent] {
    var events: [WatchEvent] = []
    guard count > 0 else { return events }
    for await event in subscription {
        events.append(event)
        if events.count == count { break }
    }
    return events
}

/// Reads every event until the stream ends.
func drain(_ subscription: WatchSubscription) async -> [WatchEvent] {
    var events: [WatchEvent] = []
    for await event in subscription { events.append(event) }
    return events
}

func summary(_ events: [WatchEvent]) -> [String] {
    events.map { "\($0.type.rawValue) \(name($0.object))@\(rv($0.object))" }
}
