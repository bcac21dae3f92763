import FlightdeckCore

/// How `flightdeck manifests` prints objects: YAML documents (what `kubectl apply -f -` takes)
/// or one JSON `v1/List` (what `kubectl get -o json` prints for several objects), indented.
public enum ManifestOutput: String, Sendable, CaseIterable {
    case yaml
    case json

    public func render(_ objects: [JSONValue]) -> String {
        switch self {
        case .yaml: return ManifestYAML.encode(objects)
        case .json:
            let list: JSONValue = ["apiVersion": "v1", "kind": "List", "items": .array(objects)]
            var out = ""
            Self.pretty(list, indent: 0, into: &out)
            return out + "\n"
        }
    }

    /// Two-space indented JSON, members in their order; scalars as `serialized` writes them.
    static func pretty(_ value: JSONValue, indent: Int, into out: inout String) {
        let pad = String(repeating: " ", count: indent + 2)
        switch value {
        case .array(let elements) where !elements.isEmpty:
            out += "[\n"
            for (index, element) in elements.enumerated() {
                out += pad
                pretty(element, indent: indent + 2, into: &out)
                out += index == elements.count - 1 ? "\n" : ",\n"
            }
            out += String(repeating: " ", count: indent) + "]"
        case .object(let members) where !members.isEmpty:
            out += "{\n"
            for (index, member) in members.enumerated() {
                out += pad + JSONValue.string(member.key).serialized + ": "
                pretty(member.value, indent: indent + 2, into: &out)
                out += index == members.count - 1 ? "\n" : ",\n"
            }
            out += String(repeating: " ", count: indent) + "}"
        default:
            out += value.serialized
        }
    }
}
