import FlightdeckCore
import Foundation

// # Design: JSON-backed views
//
// Every Kubernetes object here IS its JSON: a `JSONValue` (order-preserving, exact integers)
// wrapped in a small struct whose typed properties read from and write back into it.
//
// Why not `Codable` structs: a struct only holds the fields it declares, so a
// decode → modify → encode round trip through one silently drops everything else
// (`managedFields`, fields newer than this model, other controllers' annotations…). An
// update (`PUT`) built that way would erase them on the server. Keeping the JSON as the
// single source of truth means:
//
// - unknown fields survive untouched, byte for byte and in their original order;
// - a setter changes exactly one member (in place when it exists, appended when it does
//   not), and setting a value equal to the current one changes nothing at all;
// - reading never fails: a missing or mistyped field reads as `nil` (or an empty view),
//   as the apiserver's own defaulting would treat an absent field;
// - `Foundation`'s `JSONSerialization` is never on the hot path (`JSONParser` is).
//
// Nested parts (`spec`, `spec.template`, a container) are views too: `JSONView` is the
// one protocol for "a struct over a JSON object", `KubeObject` adds the top-level
// `apiVersion`/`kind`/`metadata` and the `ResourceType`. A nested view obtained through a
// property is a copy; assigning it back (`job.spec = spec`, or in-place
// `job.spec.parallelism = 2`, which Swift expands to get-modify-set) writes it into the
// parent. Reading an absent nested view yields an empty one; writing an empty view back
// where there was none adds nothing, so `job.spec.suspend = nil` on a spec-less object
// leaves it spec-less.

/// A typed view over one JSON object. `json` is the whole truth; properties are views on it.
public protocol JSONView: Sendable, Hashable, JSONRepresentable {
    /// The object's JSON. Anything may be stored; a non-object reads as empty.
    var json: JSONValue { get set }
    /// Wraps `json` without validation (reading is lenient, see the notes above).
    init(json: JSONValue)
}

extension JSONView {
    /// An empty view, `{}`.
    public init() { self.init(json: .emptyObject) }

    public init?(jsonValue: JSONValue) {
        guard case .object = jsonValue else { return nil }
        self.init(json: jsonValue)
    }

    public var jsonValue: JSONValue { json }

    /// The compact JSON text.
    public var serialized: String { json.serialized }

    /// Typed read/write of a member. Reading a member of the wrong JSON type gives `nil`;
    /// writing `nil` removes the member; writing the value already there changes nothing
    /// (so an unchanged field keeps its exact original encoding, e.g. `1.0` vs `1`).
    public subscript<Value: JSONRepresentable>(field key: String) -> Value? {
        get { json[key].flatMap(Value.init(jsonValue:)) }
        set {
            if let newValue {
                if let current = json[key], Value(jsonValue: current) == newValue { return }
                json.setMember(key, newValue.jsonValue)
            } else if json[key] != nil {
                json.setMember(key, nil)
            }
        }
    }

    /// A nested view: an empty one when absent; writing an empty view where there was
    /// none adds nothing, writing any view where there was one replaces it.
    public subscript<View: JSONView>(view key: String) -> View {
        get {
            if let value = json[key], case .object = value { return View(json: value) }
            return View()
        }
        set {
            if json[key] == nil, newValue.json.isEmptyObject { return }
            if json[key] == newValue.json { return }
            json.setMember(key, newValue.json)
        }
    }

    /// A list member as typed elements; elements of another JSON type are skipped on read.
    /// Writing `[]` where there was no list adds nothing.
    public subscript<Element: JSONRepresentable>(list key: String) -> [Element] {
        get { json[key]?.arrayValue?.compactMap(Element.init(jsonValue:)) ?? [] }
        set {
            if newValue.isEmpty, json[key] == nil || json[key] == .null { return }
            if json[key].flatMap({ [Element](jsonValue: $0) }) == newValue { return }
            json.setMember(key, .array(newValue.map(\.jsonValue)))
        }
    }

    /// A `map[string]string` member (labels, annotations, ConfigMap data). Writes keys in
    /// sorted order, as the apiserver (Go's `encoding/json`) does; writing `[:]` where there
    /// was no map adds nothing; writing an equal map changes nothing.
    public subscript(stringMap key: String) -> [String: String] {
        get { Self.stringMap(json[key]) }
        set {
            if newValue.isEmpty, json[key] == nil || json[key] == .null { return }
            if let current = json[key], case .object = current, Self.stringMap(current) == newValue { return }
            json.setMember(key, .sortedStringMap(newValue))
        }
    }

    /// A `metav1.Time` member: RFC 3339 read leniently, written with whole seconds in UTC
    /// (`2026-11-29T04:23:08Z`) as the apiserver writes it.
    public subscript(time key: String) -> Date? {
        get { json[key]?.stringValue.flatMap(RFC3339.date(from:)) }
        set { setTime(key, newValue, micro: false) }
    }

    /// A `metav1.MicroTime` member (`eventTime`, lease times): written with microseconds
    /// (`2026-11-29T04:23:08.123456Z`).
    public subscript(microTime key: String) -> Date? {
        get { json[key]?.stringValue.flatMap(RFC3339.date(from:)) }
        set { setTime(key, newValue, micro: true) }
    }

    private mutating func setTime(_ key: String, _ date: Date?, micro: Bool) {
        guard let date else {
            if json[key] != nil { json.setMember(key, nil) }
            return
        }
        let text = micro ? KubeTime.microString(from: date) : KubeTime.string(from: date)
        // Unchanged at the stored precision: keep the original text.
        if let current = json[key]?.stringValue, let old = RFC3339.date(from: current),
            (micro ? KubeTime.microString(from: old) : KubeTime.string(from: old)) == text
        {
            return
        }
        json.setMember(key, .string(text))
    }

    static func stringMap(_ value: JSONValue?) -> [String: String] {
        guard let members = value?.members else { return [:] }
        var map: [String: String] = [:]
        map.reserveCapacity(members.count)
        for member in members {
            if let text = member.value.stringValue { map[member.key] = text }
        }
        return map
    }
}

extension JSONValue {
    /// `{"a":"1","b":"2"}` with keys sorted, as Go encodes a `map[string]string`.
    public static func sortedStringMap(_ map: [String: String]) -> JSONValue {
        .object(map.keys.sorted().map { Member($0, .string(map[$0]!)) })
    }
}

/// A value that converts to and from a `JSONValue` (strings, numbers, views, open enums…).
public protocol JSONRepresentable: Equatable {
    /// `nil` when `jsonValue` has another JSON type.
    init?(jsonValue: JSONValue)
    var jsonValue: JSONValue { get }
}

extension String: JSONRepresentable {
    public init?(jsonValue: JSONValue) {
        guard let text = jsonValue.stringValue else { return nil }
        self = text
    }
    public var jsonValue: JSONValue { .string(self) }
}

extension Int: JSONRepresentable {
    /// An integral number (`3`, `3.0`); strings are not numbers here.
    public init?(jsonValue: JSONValue) {
        guard let value = jsonValue.int64Value, let int = Int(exactly: value) else { return nil }
        self = int
    }
    public var jsonValue: JSONValue { .integer(Int64(self)) }
}

extension Int64: JSONRepresentable {
    public init?(jsonValue: JSONValue) {
        guard let value = jsonValue.int64Value else { return nil }
        self = value
    }
    public var jsonValue: JSONValue { .integer(self) }
}

extension Double: JSONRepresentable {
    public init?(jsonValue: JSONValue) {
        guard let value = jsonValue.doubleValue else { return nil }
        self = value
    }
    public var jsonValue: JSONValue { .double(self) }
}

extension Bool: JSONRepresentable {
    public init?(jsonValue: JSONValue) {
        guard let value = jsonValue.boolValue else { return nil }
        self = value
    }
    public var jsonValue: JSONValue { .bool(self) }
}

extension JSONValue: JSONRepresentable {
    public init?(jsonValue: JSONValue) { self = jsonValue }
    public var jsonValue: JSONValue { self }
}

extension Array: JSONRepresentable where Element: JSONRepresentable {
    /// Every element must convert; otherwise `nil`.
    public init?(jsonValue: JSONValue) {
        guard let elements = jsonValue.arrayValue else { return nil }
        var result: [Element] = []
        result.reserveCapacity(elements.count)
        for element in elements {
            guard let value = Element(jsonValue: element) else { return nil }
            result.append(value)
        }
        self = result
    }
    public var jsonValue: JSONValue { .array(map(\.jsonValue)) }
}

/// A string-valued enumeration the API may extend: unknown values are kept, not rejected
/// (a newer server's `"PodReadyToStartContainers"` must survive a round trip).
public protocol OpenEnum: RawRepresentable<String>, Sendable, Hashable, ExpressibleByStringLiteral,
    CustomStringConvertible, JSONRepresentable
{
    init(rawValue: String)
}

extension OpenEnum {
    public init(stringLiteral value: String) { self.init(rawValue: value) }
    public init?(jsonValue: JSONValue) {
        guard let text = jsonValue.stringValue else { return nil }
        self.init(rawValue: text)
    }
    public var jsonValue: JSONValue { .string(rawValue) }
    public var description: String { rawValue }
}

/// Kubernetes' two time encodings.
public enum KubeTime {
    /// `metav1.Time`: `2026-11-29T04:23:08Z` (UTC, whole seconds, rounded down).
    public static func string(from date: Date) -> String {
        let full = RFC3339.string(from: date)  // 2026-11-29T04:23:08.123Z
        return String(full.prefix(19)) + "Z"
    }

    /// `metav1.MicroTime`: `2026-11-29T04:23:08.123456Z` (UTC, microseconds, rounded down).
    public static func microString(from date: Date) -> String {
        let seconds = date.timeIntervalSince1970
        let whole = seconds.rounded(.down)
        var micros = Int(((seconds - whole) * 1_000_000).rounded())
        var base = Date(timeIntervalSince1970: whole)
        if micros >= 1_000_000 {
            micros -= 1_000_000
            base = Date(timeIntervalSince1970: whole + 1)
        }
        let digits = String(micros)
        return String(string(from: base).dropLast()) + "." + String(repeating: "0", count: 6 - digits.count) + digits
            + "Z"
    }
}

// MARK: - KubeObject

/// A top-level API object: `apiVersion`, `kind`, `metadata`, and the resource it belongs to.
public protocol KubeObject: JSONView {
    /// What this kind is on the API: group, version, plural, scope.
    static var resourceType: ResourceType { get }
}

/// Why an object could not be decoded.
public struct KubeDecodingError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

extension KubeObject {
    /// A new object with `apiVersion`, `kind` and `metadata.name`/`namespace` set.
    public init(name: String? = nil, namespace: String? = nil) {
        var metadata = ObjectMeta()
        metadata.name = name
        metadata.namespace = namespace
        self.init(json: [
            "apiVersion": .string(Self.resourceType.apiVersion),
            "kind": .string(Self.resourceType.kind),
            "metadata": metadata.json,
        ])
    }

    /// Parses JSON text or bytes and checks it is an object of this kind (an absent `kind`
    /// is accepted: list items and some fixtures omit it).
    public init(decoding bytes: some Collection<UInt8>) throws {
        let value: JSONValue
        do { value = try JSONParser(maxDepth: 128).parse(bytes) } catch {
            throw KubeDecodingError("\(Self.resourceType.kind): \(error)")
        }
        try self.init(validating: value)
    }

    public init(decoding text: String) throws {
        try self.init(decoding: Array(text.utf8))
    }

    /// Wraps `value` after checking it is an object of this kind.
    public init(validating value: JSONValue) throws {
        guard case .object = value else {
            throw KubeDecodingError("\(Self.resourceType.kind): expected a JSON object")
        }
        if let kind = value["kind"]?.stringValue, kind != Self.resourceType.kind {
            throw KubeDecodingError("expected kind \(Self.resourceType.kind), got \(kind)")
        }
        self.init(json: value)
    }

    public var apiVersion: String? {
        get { self[field: "apiVersion"] }
        set { self[field: "apiVersion"] = newValue }
    }

    public var kind: String? {
        get { self[field: "kind"] }
        set { self[field: "kind"] = newValue }
    }

    public var metadata: ObjectMeta {
        get { self[view: "metadata"] }
        set { self[view: "metadata"] = newValue }
    }

    /// `metadata.name`, for brevity.
    public var name: String? {
        get { metadata.name }
        set { metadata.name = newValue }
    }

    /// `metadata.namespace`, for brevity.
    public var namespace: String? {
        get { metadata.namespace }
        set { metadata.namespace = newValue }
    }
}

/// Any object, when the kind is not known statically (a watch on several kinds, the
/// simulated server's storage).
public struct Unstructured: JSONView {
    public var json: JSONValue
    public init(json: JSONValue) { self.json = json }

    public var apiVersion: String? {
        get { self[field: "apiVersion"] }
        set { self[field: "apiVersion"] = newValue }
    }
    public var kind: String? {
        get { self[field: "kind"] }
        set { self[field: "kind"] = newValue }
    }
    public var metadata: ObjectMeta {
        get { self[view: "metadata"] }
        set { self[view: "metadata"] = newValue }
    }
    /// The registered type for `apiVersion` + `kind`, if any.
    public var resourceType: ResourceType? {
        guard let apiVersion, let kind else { return nil }
        return ResourceType.forKind(kind, apiVersion: apiVersion)
    }
}
