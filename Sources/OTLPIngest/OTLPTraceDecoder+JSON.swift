import FlightdeckCore
import Foundation

extension OTLPTraceDecoder {
    /// OTLP/JSON, parsed by `JSONParser` (its depth bounded to what the value limit allows),
    /// then read by `OTLPJSONReader`.
    func decodeJSON(_ body: [UInt8]) throws(OTLPError) -> [OTLPSpan] {
        // Request, resourceSpans, [i], scopeSpans, [i], spans, [i], attributes, [i], value: 10;
        // each level of value nesting adds 3 or 4 (kvlistValue, values, [i], value).
        let root: JSONValue
        do {
            root = try JSONParser(maxDepth: 10 + 4 * limits.maxValueDepth + 2).parse(body)
        } catch {
            throw .malformed(error.description)
        }
        var reader = OTLPJSONReader(limits: limits)
        return try reader.request(root)
    }
}

/// Reads a parsed OTLP/JSON export request into spans, counting spans and values against the
/// limits and naming the path of the first field it cannot use
/// (`resourceSpans[0].scopeSpans[1].spans[7].spanId`).
struct OTLPJSONReader {
    let limits: OTLPTraceDecoder.Limits
    private var spanCount = 0
    private var valueCount = 0

    init(limits: OTLPTraceDecoder.Limits) {
        self.limits = limits
    }

    mutating func request(_ root: JSONValue) throws(OTLPError) -> [OTLPSpan] {
        let top = try Self.object(root, "the request")
        var spans: [OTLPSpan] = []
        for (r, resourceSpansValue) in try Self.array(Self.member(top, "resourceSpans", "resource_spans"), "resourceSpans")
            .enumerated()
        {
            let path = "resourceSpans[\(r)]"
            let resourceSpans = try Self.object(resourceSpansValue, path)
            var resource = OTLPAttributes()
            if let resourceValue = Self.member(resourceSpans, "resource") {
                let members = try Self.object(resourceValue, path + ".resource")
                resource = try attributes(Self.member(members, "attributes"), path + ".resource.attributes", depth: 0)
            }
            for (s, scopeSpansValue) in try Self.array(Self.member(resourceSpans, "scopeSpans", "scope_spans"),
                path + ".scopeSpans").enumerated()
            {
                let scopePath = path + ".scopeSpans[\(s)]"
                let scopeSpans = try Self.object(scopeSpansValue, scopePath)
                var scope = ""
                if let scopeValue = Self.member(scopeSpans, "scope") {
                    scope = try Self.string(Self.member(Self.object(scopeValue, scopePath + ".scope"), "name"),
                        scopePath + ".scope.name")
                }
                for (i, spanValue) in try Self.array(Self.member(scopeSpans, "spans"), scopePath + ".spans").enumerated() {
                    spanCount += 1
                    if spanCount > limits.maxSpans { throw .tooManySpans(limit: limits.maxSpans) }
                    var span = try self.span(spanValue, scopePath + ".spans[\(i)]")
                    span.resource = resource
                    span.scope = scope
                    spans.append(span)
                }
            }
        }
        return spans
    }

    private mutating func span(_ value: JSONValue, _ path: String) throws(OTLPError) -> OTLPSpan {
        let members = try Self.object(value, path)
        var span = OTLPSpan(
            traceID: try Self.id(Self.member(members, "traceId", "trace_id"), path + ".traceId", bytes: 16),
            spanID: try Self.id(Self.member(members, "spanId", "span_id"), path + ".spanId", bytes: 8),
            parentSpanID: try Self.id(Self.member(members, "parentSpanId", "parent_span_id"), path + ".parentSpanId", bytes: 8),
            name: try Self.string(Self.member(members, "name"), path + ".name"),
            kind: try Self.enumeration(Self.member(members, "kind"), path + ".kind", names: Self.spanKinds),
            startTimeUnixNano: try Self.unsigned(Self.member(members, "startTimeUnixNano", "start_time_unix_nano"),
                path + ".startTimeUnixNano"),
            endTimeUnixNano: try Self.unsigned(Self.member(members, "endTimeUnixNano", "end_time_unix_nano"),
                path + ".endTimeUnixNano"))
        span.attributes = try attributes(Self.member(members, "attributes"), path + ".attributes", depth: 0)
        for (e, eventValue) in try Self.array(Self.member(members, "events"), path + ".events").enumerated() {
            let eventPath = path + ".events[\(e)]"
            let event = try Self.object(eventValue, eventPath)
            span.events.append(OTLPSpan.Event(
                timeUnixNano: try Self.unsigned(Self.member(event, "timeUnixNano", "time_unix_nano"), eventPath + ".timeUnixNano"),
                name: try Self.string(Self.member(event, "name"), eventPath + ".name"),
                attributes: try attributes(Self.member(event, "attributes"), eventPath + ".attributes", depth: 0)))
        }
        if let statusValue = Self.member(members, "status") {
            let status = try Self.object(statusValue, path + ".status")
            span.status = OTLPSpan.Status(
                code: try Self.enumeration(Self.member(status, "code"), path + ".status.code", names: Self.statusCodes),
                message: try Self.string(Self.member(status, "message"), path + ".status.message"))
        }
        return span
    }

    // MARK: - Attributes

    /// A `[KeyValue]` array (absent: none).
    private mutating func attributes(_ value: JSONValue?, _ path: String, depth: Int) throws(OTLPError) -> OTLPAttributes {
        var entries: [OTLPAttributes.Entry] = []
        for (i, element) in try Self.array(value, path).enumerated() {
            valueCount += 1
            if valueCount > limits.maxValues { throw .tooManyValues(limit: limits.maxValues) }
            let entryPath = path + "[\(i)]"
            let members = try Self.object(element, entryPath)
            let key = try Self.string(Self.member(members, "key"), entryPath + ".key")
            let entryValue = try Self.member(members, "value").map { (v) throws(OTLPError) in
                try anyValue(v, entryPath + ".value", depth: depth)
            }
            entries.append(OTLPAttributes.Entry(key, entryValue ?? .empty))
        }
        return OTLPAttributes(entries)
    }

    /// An `AnyValue` object: the first member that names a value kind decides.
    private mutating func anyValue(_ value: JSONValue, _ path: String, depth: Int) throws(OTLPError) -> OTLPValue {
        for member in try Self.object(value, path) where !member.value.isNull {
            let field = path + "." + member.key
            switch member.key {
            case "stringValue", "string_value":
                return .string(try Self.string(member.value, field))
            case "boolValue", "bool_value":
                guard let flag = member.value.boolValue else { throw Self.wrongType(field, "a boolean") }
                return .bool(flag)
            case "intValue", "int_value":
                return .int(try Self.signed(member.value, field))
            case "doubleValue", "double_value":
                return .double(try Self.double(member.value, field))
            case "bytesValue", "bytes_value":
                guard let text = member.value.stringValue, let bytes = OTLPBytes.base64(text) else {
                    throw Self.wrongType(field, "base64 text")
                }
                return .bytes(bytes)
            case "arrayValue", "array_value", "kvlistValue", "kvlist_value":
                guard depth < limits.maxValueDepth else {
                    throw .malformed("\(field): attribute values nested deeper than \(limits.maxValueDepth)")
                }
                let list = try Self.member(Self.object(member.value, field), "values")
                if member.key.hasPrefix("kvlist") {
                    return .keyValues(try attributes(list, field + ".values", depth: depth + 1))
                }
                var values: [OTLPValue] = []
                for (i, element) in try Self.array(list, field + ".values").enumerated() {
                    valueCount += 1
                    if valueCount > limits.maxValues { throw .tooManyValues(limit: limits.maxValues) }
                    values.append(try anyValue(element, field + ".values[\(i)]", depth: depth + 1))
                }
                return .array(values)
            default:
                continue
            }
        }
        return .empty
    }

    // MARK: - Typed fields

    static let spanKinds = [
        "SPAN_KIND_UNSPECIFIED": 0, "SPAN_KIND_INTERNAL": 1, "SPAN_KIND_SERVER": 2, "SPAN_KIND_CLIENT": 3,
        "SPAN_KIND_PRODUCER": 4, "SPAN_KIND_CONSUMER": 5,
    ]
    static let statusCodes = ["STATUS_CODE_UNSET": 0, "STATUS_CODE_OK": 1, "STATUS_CODE_ERROR": 2]

    /// The last member named any of `names` that is not `null` (the proto's JSON mapping
    /// accepts both the lowerCamelCase and the original field name).
    static func member(_ members: [JSONValue.Member], _ names: String...) -> JSONValue? {
        members.last { member in names.contains(member.key) && !member.value.isNull }?.value
    }

    static func object(_ value: JSONValue, _ path: String) throws(OTLPError) -> [JSONValue.Member] {
        guard let members = value.members else { throw wrongType(path, "an object") }
        return members
    }

    /// An array; absent is empty.
    static func array(_ value: JSONValue?, _ path: String) throws(OTLPError) -> [JSONValue] {
        guard let value else { return [] }
        guard let elements = value.arrayValue else { throw wrongType(path, "an array") }
        return elements
    }

    /// A string; absent is empty.
    static func string(_ value: JSONValue?, _ path: String) throws(OTLPError) -> String {
        guard let value else { return "" }
        guard let text = value.stringValue else { throw wrongType(path, "a string") }
        return text
    }

    /// A trace or span id of `bytes` bytes, as lowercase hex; absent or empty is `""`.
    static func id(_ value: JSONValue?, _ path: String, bytes: Int) throws(OTLPError) -> String {
        let text = try string(value, path)
        if text.isEmpty { return "" }
        guard let hex = OTLPBytes.id(text, byteCount: bytes) else {
            throw .malformed("\(path): not \(bytes * 2) hex digits nor base64 of \(bytes) bytes")
        }
        return hex
    }

    /// A fixed64 (times): a non-negative integral number or a decimal string; absent is 0.
    static func unsigned(_ value: JSONValue?, _ path: String) throws(OTLPError) -> UInt64 {
        switch value {
        case nil: return 0
        case .integer(let number)? where number >= 0: return UInt64(number)
        case .double(let number)? where number >= 0 && number < 0x1p64 && number.rounded() == number:
            return UInt64(number)
        case .string(let text)?:
            if let number = UInt64(text) { return number }
        default: break
        }
        throw wrongType(path, "a non-negative integer (number or decimal string)")
    }

    /// An int64: an integral number or a decimal string.
    static func signed(_ value: JSONValue, _ path: String) throws(OTLPError) -> Int64 {
        switch value {
        case .integer(let number): return number
        case .double(let number):
            if number.rounded() == number, let exact = Int64(exactly: number) { return exact }
        case .string(let text):
            if let number = Int64(text) { return number }
        default: break
        }
        throw wrongType(path, "an integer (number or decimal string)")
    }

    /// A double: a number, a numeric string, or `NaN`/`Infinity`/`-Infinity` (proto3 JSON).
    static func double(_ value: JSONValue, _ path: String) throws(OTLPError) -> Double {
        if let number = value.doubleValue { return number }
        switch value.stringValue {
        case "NaN": return .nan
        case "Infinity": return .infinity
        case "-Infinity": return -.infinity
        case let text?: if let number = Double(text), number.isFinite { return number }
        case nil: break
        }
        throw wrongType(path, "a number")
    }

    /// An enum: its number (or a decimal string of it), or its name; absent is 0.
    static func enumeration(_ value: JSONValue?, _ path: String, names: [String: Int]) throws(OTLPError) -> Int {
        switch value {
        case nil: return 0
        case .integer(let number)? where Int32(exactly: number) != nil: return Int(number)
        case .string(let text)?:
            if let number = names[text] ?? Int32(text).map(Int.init) { return number }
        default: break
        }
        throw wrongType(path, "an enum number or name")
    }

    static func wrongType(_ path: String, _ expected: String) -> OTLPError {
        .malformed("\(path): expected \(expected)")
    }
}
