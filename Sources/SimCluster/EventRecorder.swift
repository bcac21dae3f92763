import FlightdeckCore
import Foundation
import KubeModel

/// Writes core/v1 Events into the store as the cluster's components do (client-go's
/// record.EventRecorder): one Event per (object, type, reason, message, component), and a
/// repeat bumps its `count` and `lastTimestamp` instead of adding another.
public struct EventRecorder: Sendable {
    public let store: APIStore
    /// `source.component`: `job-controller`, `kubelet`, `default-scheduler`, …
    public let component: String
    /// `source.host` (the kubelet's node).
    public let host: String?

    public init(store: APIStore, component: String, host: String? = nil) {
        self.store = store
        self.component = component
        self.host = host
    }

    public enum EventType: String, Sendable {
        case normal = "Normal"
        case warning = "Warning"
    }

    /// Records an event about `object` (any stored object: its kind, name, namespace, uid and
    /// resourceVersion are referenced). Failures are swallowed, as the real recorder drops
    /// events it cannot write.
    public func record(_ object: JSONValue, type: EventType, reason: String, message: String,
        fieldPath: String? = nil)
    {
        let meta = ObjectMeta(json: object["metadata"] ?? .emptyObject)
        guard let name = meta.name else { return }
        let namespace = meta.namespace ?? "default"
        var involved: JSONValue = .emptyObject
        involved.setMember("apiVersion", object["apiVersion"] ?? .string("v1"))
        involved.setMember("kind", object["kind"] ?? .string(""))
        involved.setMember("name", .string(name))
        if let ns = meta.namespace { involved.setMember("namespace", .string(ns)) }
        if let uid = meta.uid { involved.setMember("uid", .string(uid)) }
        if let rv = meta.resourceVersion { involved.setMember("resourceVersion", .string(rv)) }
        if let fieldPath { involved.setMember("fieldPath", .string(fieldPath)) }
        let now = KubeTime.string(from: store.clock())

        // A repeat of the same event bumps the existing one.
        var options = ListOptions()
        options.fieldSelector = "involvedObject.name=\(name)"
        if let existing = try? store.list(type: .events, namespace: namespace, options: options),
            let items = existing["items"]?.arrayValue,
            let match = items.last(where: { item in
                item[path: ["involvedObject", "uid"]] == involved["uid"]
                    && item["reason"]?.stringValue == reason && item["message"]?.stringValue == message
                    && item["type"]?.stringValue == type.rawValue
                    && item[path: ["source", "component"]]?.stringValue == component
            }),
            let eventName = match[path: ["metadata", "name"]]?.stringValue
        {
            let count = (match["count"]?.int64Value ?? 1) + 1
            let patch: JSONValue = ["count": .integer(count), "lastTimestamp": .string(now)]
            if (try? store.patch(type: .events, namespace: namespace, name: eventName, patch: patch)) != nil { return }
        }

        var source: JSONValue = ["component": .string(component)]
        if let host { source.setMember("host", .string(host)) }
        let nanos = UInt64(max(0, store.clock().timeIntervalSince1970 * 1e9))
        let event: JSONValue = [
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": ["name": .string("\(name).\(String(nanos, radix: 16))"), "namespace": .string(namespace)],
            "involvedObject": involved,
            "reason": .string(reason),
            "message": .string(message),
            "type": .string(type.rawValue),
            "source": source,
            "count": 1,
            "firstTimestamp": .string(now),
            "lastTimestamp": .string(now),
            "eventTime": .null,
            "reportingComponent": .string(component),
            "reportingInstance": .string(host ?? ""),
        ]
        // Two events in the same nanosecond tick: let the store pick a fresh suffix.
        if (try? store.create(event, type: .events, namespace: namespace)) == nil {
            var retry = event
            retry[path: ["metadata", "name"]] = nil
            retry[path: ["metadata", "generateName"]] = .string("\(name).")
            _ = try? store.create(retry, type: .events, namespace: namespace)
        }
    }
}
