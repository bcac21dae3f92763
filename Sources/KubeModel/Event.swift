import FlightdeckCore
import Foundation

/// `v1/Event` (core): what `kubectl get events` shows.
public struct CoreEvent: KubeObject {
    public static let resourceType = ResourceType.events
    public var json: JSONValue
    public init(json: JSONValue) { self.json = json }

    public var involvedObject: ObjectReference {
        get { self[view: "involvedObject"] }
        set { self[view: "involvedObject"] = newValue }
    }
    public var reason: String? {
        get { self[field: "reason"] }
        set { self[field: "reason"] = newValue }
    }
    public var message: String? {
        get { self[field: "message"] }
        set { self[field: "message"] = newValue }
    }
    /// `Normal` or `Warning`.
    public var type: String? {
        get { self[field: "type"] }
        set { self[field: "type"] = newValue }
    }
    public var count: Int? {
        get { self[field: "count"] }
        set { self[field: "count"] = newValue }
    }
    public var firstTimestamp: Date? {
        get { self[time: "firstTimestamp"] }
        set { self[time: "firstTimestamp"] = newValue }
    }
    public var lastTimestamp: Date? {
        get { self[time: "lastTimestamp"] }
        set { self[time: "lastTimestamp"] = newValue }
    }
    /// MicroTime; set by newer reporters (which leave first/lastTimestamp null).
    public var eventTime: Date? {
        get { self[microTime: "eventTime"] }
        set { self[microTime: "eventTime"] = newValue }
    }
    /// `source.component`, e.g. `job-controller`, `kubelet`.
    public var sourceComponent: String? {
        get { json[path: ["source", "component"]]?.stringValue }
        set { json[path: ["source", "component"]] = newValue.map(JSONValue.string) }
    }
    public var reportingComponent: String? {
        get { self[field: "reportingComponent"] }
        set { self[field: "reportingComponent"] = newValue }
    }
    /// `series.count` when the reporter uses series.
    public var seriesCount: Int? {
        json[path: ["series", "count"]].flatMap(Int.init(jsonValue:))
    }
}

/// `events.k8s.io/v1/Event`: the newer Event API (same storage, other field names).
public struct EventsV1Event: KubeObject {
    public static let resourceType = ResourceType.eventsV1
    public var json: JSONValue
    public init(json: JSONValue) { self.json = json }

    public var regarding: ObjectReference {
        get { self[view: "regarding"] }
        set { self[view: "regarding"] = newValue }
    }
    public var related: ObjectReference? {
        get { self[field: "related"] }
        set { self[field: "related"] = newValue }
    }
    public var reason: String? {
        get { self[field: "reason"] }
        set { self[field: "reason"] = newValue }
    }
    public var note: String? {
        get { self[field: "note"] }
        set { self[field: "note"] = newValue }
    }
    public var type: String? {
        get { self[field: "type"] }
        set { self[field: "type"] = newValue }
    }
    public var action: String? {
        get { self[field: "action"] }
        set { self[field: "action"] = newValue }
    }
    public var eventTime: Date? {
        get { self[microTime: "eventTime"] }
        set { self[microTime: "eventTime"] = newValue }
    }
    public var reportingController: String? {
        get { self[field: "reportingController"] }
        set { self[field: "reportingController"] = newValue }
    }
    public var seriesCount: Int? {
        get { json[path: ["series", "count"]].flatMap(Int.init(jsonValue:)) }
        set { json[path: ["series", "count"]] = newValue?.jsonValue }
    }
    /// `series.lastObservedTime` (MicroTime).
    public var seriesLastObservedTime: Date? {
        json[path: ["series", "lastObservedTime"]]?.stringValue.flatMap(RFC3339.date(from:))
    }
    public var deprecatedCount: Int? {
        get { self[field: "deprecatedCount"] }
        set { self[field: "deprecatedCount"] = newValue }
    }
    public var deprecatedFirstTimestamp: Date? {
        get { self[time: "deprecatedFirstTimestamp"] }
        set { self[time: "deprecatedFirstTimestamp"] = newValue }
    }
    public var deprecatedLastTimestamp: Date? {
        get { self[time: "deprecatedLastTimestamp"] }
        set { self[time: "deprecatedLastTimestamp"] = newValue }
    }
    public var deprecatedSourceComponent: String? {
        json[path: ["deprecatedSource", "component"]]?.stringValue
    }
}

/// One event as the cockpit shows it, read from either Event API.
///
/// The two APIs are views of one stored object: core `message` ↔ `note`, `involvedObject`
/// ↔ `regarding`, `count` ↔ `series.count`/`deprecatedCount`, `source.component` ↔
/// `reportingController`/`deprecatedSource.component`. The summary takes, for each, the
/// first of those that is set.
public struct EventSummary: Sendable, Hashable {
    public var namespace: String?
    public var name: String?
    /// The object the event is about.
    public var objectKind: String?
    public var objectName: String?
    public var objectNamespace: String?
    public var objectUID: String?
    public var reason: String
    public var message: String
    /// `Normal` or `Warning` (empty when unset).
    public var type: String
    /// How many times it happened (at least 1).
    public var count: Int
    public var firstSeen: Date?
    public var lastSeen: Date?
    /// Who reported it: `job-controller`, `kubelet`, …
    public var component: String?

    public var isWarning: Bool { type == "Warning" }

    /// Reads either API, chosen by `apiVersion` (`events.k8s.io/…` or else core).
    public init(json: JSONValue) {
        if json["apiVersion"]?.stringValue?.hasPrefix("events.k8s.io/") == true {
            self.init(EventsV1Event(json: json))
        } else {
            self.init(CoreEvent(json: json))
        }
    }

    public init(_ event: CoreEvent) {
        namespace = event.metadata.namespace
        name = event.metadata.name
        let object = event.involvedObject
        objectKind = object.kind
        objectName = object.name
        objectNamespace = object.namespace
        objectUID = object.uid
        reason = event.reason ?? ""
        message = event.message ?? ""
        type = event.type ?? ""
        count = max(event.seriesCount ?? event.count ?? 1, 1)
        firstSeen = event.firstTimestamp ?? event.eventTime ?? event.metadata.creationTimestamp
        lastSeen = event.lastTimestamp
            ?? event.json[path: ["series", "lastObservedTime"]]?.stringValue.flatMap(RFC3339.date(from:))
            ?? event.eventTime ?? firstSeen
        component = event.reportingComponent.flatMap { $0.isEmpty ? nil : $0 } ?? event.sourceComponent
    }

    public init(_ event: EventsV1Event) {
        namespace = event.metadata.namespace
        name = event.metadata.name
        let object = event.regarding
        objectKind = object.kind
        objectName = object.name
        objectNamespace = object.namespace
        objectUID = object.uid
        reason = event.reason ?? ""
        message = event.note ?? ""
        type = event.type ?? ""
        count = max(event.seriesCount ?? event.deprecatedCount ?? 1, 1)
        firstSeen = event.eventTime ?? event.deprecatedFirstTimestamp ?? event.metadata.creationTimestamp
        lastSeen = event.seriesLastObservedTime ?? event.deprecatedLastTimestamp ?? firstSeen
        component = event.reportingController.flatMap { $0.isEmpty ? nil : $0 } ?? event.deprecatedSourceComponent
    }
}
