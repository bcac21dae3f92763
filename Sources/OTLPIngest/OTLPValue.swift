import Foundation
import FlightdeckCore

/// An attribute value as OTLP carries it (`AnyValue`), decoded but not cleaned: every string
/// in it is still the exporter's, hostile, and goes through `SpanMapping`'s cleaning before it
/// can reach a record.
public indirect enum OTLPValue: Sendable, Hashable {
    case string(String)
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case bytes([UInt8])
    case array([OTLPValue])
    /// A `kvlist_value`: nested attributes, in the exporter's order.
    case keyValues(OTLPAttributes)
    /// An `AnyValue` with none of its fields set.
    case empty

    /// The string, when this is one.
    public var stringValue: String? {
        if case .string(let text) = self { text } else { nil }
    }

    /// An integer given as an int, an integral double, or a decimal string (exporters differ:
    /// some record token counts as strings).
    public var integerValue: Int64? {
        switch self {
        case .int(let value): value
        case .double(let value): value.rounded() == value ? Int64(exactly: value) : nil
        case .string(let text): Int64(text.trimmingCharacters(in: [" "]))
        default: nil
        }
    }

    /// The value as JSON: what a tool's arguments or a kvlist become in a record. Bytes are
    /// base64, as in OTLP/JSON; a non-finite double is its name as a string.
    public var json: JSONValue {
        switch self {
        case .string(let text): .string(text)
        case .bool(let value): .bool(value)
        case .int(let value): .integer(value)
        case .double(let value): value.isFinite ? .double(value) : .string("\(value)")
        case .bytes(let bytes): .string(Data(bytes).base64EncodedString())
        case .array(let values): .array(values.map(\.json))
        case .keyValues(let attributes): .object(attributes.entries.map { JSONValue.Member($0.key, $0.value.json) })
        case .empty: .null
        }
    }

    /// The value as one line of text: a string as it is, anything else as compact JSON.
    public var text: String {
        if case .string(let text) = self { return text }
        return json.serialized
    }
}
