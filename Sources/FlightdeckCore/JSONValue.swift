/// A JSON value as the trace protocol needs it: exact integers and ordered objects.
///
/// Why not `Any` from `JSONSerialization` or a `Codable` model: agent lines are schemaless
/// past the protocol's few fields, the ingest path must stay allocation-light, and
/// re-encoding (`serialized`) must be stable so that the same line always stores the same
/// `args`/`raw` text. So integers stay exact (`integer`, not a lossy `Double`) and objects
/// keep their members in source order, duplicates included.
///
/// Equality is structural and order-sensitive: `{"a":1,"b":2}` and `{"b":2,"a":1}` differ.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    /// A number written without fraction or exponent that fits in `Int64`.
    case integer(Int64)
    /// Any other number. Parsed overflow is `±infinity`, which `serialized` writes as `null`.
    case double(Double)
    case string(String)
    case array([JSONValue])
    /// Members in source order; duplicate keys are kept as they came.
    case object([Member])

    /// One `"key": value` pair of an object.
    public struct Member: Sendable, Hashable {
        public var key: String
        public var value: JSONValue

        public init(_ key: String, _ value: JSONValue) {
            self.key = key
            self.value = value
        }
    }
}

// MARK: - Accessors

extension JSONValue {
    /// The value of the LAST member named `key` (later duplicates win, as in JavaScript);
    /// `nil` when there is none or this is not an object.
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.last(where: { $0.key == key })?.value
    }

    /// The element at `index`; `nil` when out of range or this is not an array.
    public subscript(index: Int) -> JSONValue? {
        guard case .array(let elements) = self, elements.indices.contains(index) else { return nil }
        return elements[index]
    }

    /// Whether this is `null`. This and the typed views below answer `false`/`nil` for a
    /// value of another kind, so a lenient reader can try each shape without a `switch`.
    public var isNull: Bool {
        if case .null = self { true } else { false }
    }

    /// The payload of `.bool`.
    public var boolValue: Bool? {
        if case .bool(let value) = self { value } else { nil }
    }

    /// The payload of `.string` (a number is not converted).
    public var stringValue: String? {
        if case .string(let value) = self { value } else { nil }
    }

    /// An `integer`, or a `double` with an integral value that fits in `Int64` (`12.0` is 12).
    public var int64Value: Int64? {
        switch self {
        case .integer(let value): value
        case .double(let value): Int64(exactly: value)
        default: nil
        }
    }

    /// Any number as a `Double` (large integers may round).
    public var doubleValue: Double? {
        switch self {
        case .integer(let value): Double(value)
        case .double(let value): value
        default: nil
        }
    }

    /// An array's elements.
    public var arrayValue: [JSONValue]? {
        if case .array(let value) = self { value } else { nil }
    }

    /// An object's members in source order.
    public var members: [Member]? {
        if case .object(let value) = self { value } else { nil }
    }
}

// MARK: - Serialising

extension JSONValue {
    /// Compact RFC 8259 text: no insignificant whitespace, members in stored order.
    ///
    /// Strings escape `"`, `\` and every control character below U+0020 (`\n`, `\t`, `\r`,
    /// `\b`, `\f` in their short forms, the rest as `\u00XX`); everything else is written
    /// as UTF-8. Non-finite doubles, which JSON cannot express, are written as `null`
    /// (as JavaScript's `JSON.stringify` does).
    public var serialized: String {
        serialized(mappingStrings: { $0 })
    }

    /// The compact text of this value with every string, object keys included, passed
    /// through `transform` on the way out.
    ///
    /// This is how agent JSON is redacted and sanitised before it is stored: each string is
    /// cleaned as the decoded text it is, so a secret hidden behind escapes (`"sk-\u0061..."`)
    /// is visible to the redactor; and no cleaned copy of the tree is built.
    public func serialized(mappingStrings transform: (String) -> String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(64)
        write(to: &out, transform)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the compact encoding to `out`: one growing byte buffer for the whole tree.
    private func write(to out: inout [UInt8], _ transform: (String) -> String) {
        switch self {
        case .null:
            out.append(contentsOf: "null".utf8)
        case .bool(let value):
            out.append(contentsOf: (value ? "true" : "false").utf8)
        case .integer(let value):
            out.append(contentsOf: String(value).utf8)
        case .double(let value):
            if value.isFinite {
                // Swift's shortest round-trip form (`1e-07`, `5.0`, `1e+20`) is valid JSON.
                out.append(contentsOf: value.description.utf8)
            } else {
                out.append(contentsOf: "null".utf8)
            }
        case .string(let value):
            Self.writeString(transform(value), to: &out)
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                element.write(to: &out, transform)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            for (index, member) in members.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                Self.writeString(transform(member.key), to: &out)
                out.append(UInt8(ascii: ":"))
                member.value.write(to: &out, transform)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// Appends `string` quoted and escaped. Runs of bytes that need no escape are copied
    /// in one go, which keeps long texts cheap.
    private static func writeString(_ string: String, to out: inout [UInt8]) {
        var string = string
        out.append(UInt8(ascii: "\""))
        string.withUTF8 { bytes in
            var runStart = 0
            for index in bytes.indices {
                let byte = bytes[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
                runStart = index + 1
                out.append(UInt8(ascii: "\\"))
                switch byte {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"): out.append(byte)
                case 0x0A: out.append(UInt8(ascii: "n"))
                case 0x09: out.append(UInt8(ascii: "t"))
                case 0x0D: out.append(UInt8(ascii: "r"))
                case 0x08: out.append(UInt8(ascii: "b"))
                case 0x0C: out.append(UInt8(ascii: "f"))
                default:
                    out.append(UInt8(ascii: "u"))
                    out.append(UInt8(ascii: "0"))
                    out.append(UInt8(ascii: "0"))
                    out.append(hexDigits[Int(byte >> 4)])
                    out.append(hexDigits[Int(byte & 0x0F)])
                }
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart...]))
        }
        out.append(UInt8(ascii: "\""))
    }
}

extension JSONValue: CustomStringConvertible {
    /// The compact encoding, so a value prints as the JSON it is.
    public var description: String { serialized }
}

// MARK: - Literals

/// Literals make values readable where they are built by hand (commands, tests).
extension JSONValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral,
    ExpressibleByDictionaryLiteral
{
    public init(nilLiteral: ()) { self = .null }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int64) { self = .integer(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    /// Keeps the literal's order, so `["type": "pause"]` encodes as written.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(elements.map { Member($0.0, $0.1) })
    }
}
