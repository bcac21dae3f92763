import FlightdeckCore

/// Small builders for manifest JSON, so every map is written in sorted key order (the same
/// task always serialises to the same bytes, which golden files and `install`'s "unchanged"
/// rely on).
enum ManifestJSON {
    /// `{"a": "1", "b": "2"}` in key order.
    static func stringMap(_ map: [String: String]) -> JSONValue {
        .object(map.keys.sorted().map { JSONValue.Member($0, .string(map[$0]!)) })
    }

    /// `{"name": n, "value": v}`.
    static func env(_ name: String, _ value: String) -> JSONValue {
        ["name": .string(name), "value": .string(value)]
    }

    /// `metadata` with name, namespace, labels and optional annotations/ownerReferences.
    static func metadata(name: String, namespace: String?, labels: [String: String],
        annotations: [String: String] = [:], owners: [JSONValue] = []) -> JSONValue
    {
        var meta: JSONValue = ["name": .string(name)]
        if let namespace { meta.setMember("namespace", .string(namespace)) }
        meta.setMember("labels", stringMap(labels))
        if !annotations.isEmpty { meta.setMember("annotations", stringMap(annotations)) }
        if !owners.isEmpty { meta.setMember("ownerReferences", .array(owners)) }
        return meta
    }

    /// `{"apiVersion": …, "kind": …, "metadata": …}` followed by `rest`'s members.
    static func object(_ apiVersion: String, _ kind: String, _ metadata: JSONValue, _ rest: JSONValue = .emptyObject)
        -> JSONValue
    {
        .object([.init("apiVersion", .string(apiVersion)), .init("kind", .string(kind)), .init("metadata", metadata)]
            + (rest.members ?? []))
    }
}
