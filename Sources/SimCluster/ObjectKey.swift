import FlightdeckCore

/// `namespace/name` of an object: what controllers queue (upstream's `cache.MetaNamespaceKey`).
struct ObjectKey: Hashable, Sendable, CustomStringConvertible {
    var namespace: String?
    var name: String

    init(namespace: String?, name: String) {
        self.namespace = namespace
        self.name = name
    }

    init?(_ object: JSONValue) {
        guard let name = object[path: ["metadata", "name"]]?.stringValue else { return nil }
        self.init(namespace: object[path: ["metadata", "namespace"]]?.stringValue, name: name)
    }

    var description: String { namespace.map { "\($0)/\(name)" } ?? name }
}
