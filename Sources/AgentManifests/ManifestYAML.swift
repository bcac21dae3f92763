import FlightdeckCore
import Yams

/// Manifests as YAML, both ways: `encode` writes the multi-document text `kubectl apply -f`
/// reads; `decode` reads task templates and config files into `JSONValue`.
///
/// Why by hand over Yams' node tree rather than `Yams.dump` of `Any`: member order is kept
/// (apiVersion, kind, metadata first, as people expect), integers stay integers, and a string
/// that YAML would read back as something else (`"true"`, `"0400"`, `"1.30"`, `""`) is quoted,
/// so `decode(encode(x)) == x`. Multi-line strings (config files) are written as literal blocks.
public enum ManifestYAML {
    public struct DecodeError: Error, Sendable, Hashable, CustomStringConvertible {
        public var description: String
    }

    /// `---`-separated documents, one per object.
    public static func encode(_ objects: [JSONValue]) -> String {
        let nodes = objects.map(node)
        return (try? Yams.serialize(nodes: nodes, indent: 2, width: -1, allowUnicode: true, lineBreak: .ln,
            explicitStart: false, sortKeys: false)) ?? ""
    }

    /// Every document of `text` (empty documents skipped).
    public static func decode(_ text: String) throws(DecodeError) -> [JSONValue] {
        let nodes: [Node]
        do {
            nodes = Array(try Yams.compose_all(yaml: text))
        } catch {
            throw DecodeError(description: "not valid YAML: \(String(describing: error).split(separator: "\n").first ?? "")")
        }
        return nodes.map(value).filter { !$0.isNull }
    }

    // MARK: - JSONValue -> Node

    static func node(_ value: JSONValue) -> Node {
        switch value {
        case .null: return Node("null", Tag(.null))
        case .bool(let flag): return Node(flag ? "true" : "false", Tag(.bool))
        case .integer(let number): return Node(String(number), Tag(.int))
        case .double(let number): return Node(number.isFinite ? String(number) : "null", Tag(number.isFinite ? .float : .null))
        case .string(let text): return .scalar(stringScalar(text))
        case .array(let elements): return .sequence(Node.Sequence(elements.map(node), Tag(.seq), .block))
        case .object(let members):
            return .mapping(Node.Mapping(members.map { (Node($0.key, Tag(.str), keyStyle($0.key)), node($0.value)) },
                Tag(.map), .block))
        }
    }

    /// Plain when YAML reads it back as the same string; quoted when it would read as a
    /// bool/number/null or is not plain-safe; a literal block when it spans lines.
    static func stringScalar(_ text: String) -> Node.Scalar {
        if text.contains("\n"), !text.contains("\r"), !text.contains("\t"), text.last == "\n" || !text.hasSuffix(" ") {
            return Node.Scalar(text, Tag(.str), .literal)
        }
        let style: Node.Scalar.Style = Resolver.default.resolveTag(of: Node(text)) == .str ? .plain : .doubleQuoted
        return Node.Scalar(text, Tag(.str), style)
    }

    static func keyStyle(_ key: String) -> Node.Scalar.Style {
        Resolver.default.resolveTag(of: Node(key)) == .str ? .plain : .doubleQuoted
    }

    // MARK: - Node -> JSONValue

    static func value(_ node: Node) -> JSONValue {
        switch node {
        case .scalar(let scalar):
            // Quoted scalars are strings whatever they look like.
            if scalar.style == .singleQuoted || scalar.style == .doubleQuoted || scalar.style == .literal
                || scalar.style == .folded
            {
                return .string(scalar.string)
            }
            switch Resolver.default.resolveTag(of: node) {
            case .null: return .null
            case .bool: return node.bool.map(JSONValue.bool) ?? .string(scalar.string)
            case .int: return node.int.map { .integer(Int64($0)) } ?? .string(scalar.string)
            case .float: return node.float.map(JSONValue.double) ?? .string(scalar.string)
            default: return .string(scalar.string)
            }
        case .sequence(let sequence): return .array(sequence.map(value))
        case .mapping(let mapping):
            return .object(mapping.map { JSONValue.Member($0.key.string ?? "", value($0.value)) })
        case .alias: return .null
        }
    }
}
