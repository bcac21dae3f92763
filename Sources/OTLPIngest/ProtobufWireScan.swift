/// A first pass over an export request's protobuf bytes that counts its spans and attribute
/// values and measures how deep its values nest, without allocating, so that a small body
/// that would decode into millions of empty messages is refused before swift-protobuf builds
/// them. It also refuses wire types the messages never use (groups) and lengths that run past
/// their message.
struct ProtobufWireScan {
    /// The messages of `otlp_trace.proto` that can hold spans or values, and which of their
    /// length-delimited fields lead where.
    private enum Message {
        case request, resourceSpans, resource, scopeSpans, span, event, keyValue, anyValue, arrayValue, keyValueList

        func child(_ field: UInt64) -> Message? {
            switch (self, field) {
            case (.request, 1): .resourceSpans
            case (.resourceSpans, 1): .resource
            case (.resourceSpans, 2): .scopeSpans
            case (.resource, 1): .keyValue
            case (.scopeSpans, 2): .span
            case (.span, 9): .keyValue
            case (.span, 11): .event
            case (.event, 3): .keyValue
            case (.keyValue, 2): .anyValue
            case (.anyValue, 5): .arrayValue
            case (.anyValue, 6): .keyValueList
            case (.arrayValue, 1): .anyValue
            case (.keyValueList, 1): .keyValue
            default: nil
            }
        }
    }

    let limits: OTLPTraceDecoder.Limits
    private(set) var spans = 0
    private(set) var values = 0

    init(limits: OTLPTraceDecoder.Limits) {
        self.limits = limits
    }

    /// Scans the whole request; throws the first limit it passes or the first break in the wire
    /// format it finds.
    mutating func scan(_ bytes: UnsafeBufferPointer<UInt8>) throws(OTLPError) {
        try scan(bytes, from: 0, to: bytes.count, as: .request, valueDepth: 0)
    }

    private mutating func scan(
        _ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int, as message: Message, valueDepth: Int
    ) throws(OTLPError) {
        var offset = start
        while offset < end {
            let tag = try varint(bytes, &offset, end)
            let field = tag >> 3
            guard field > 0 else { throw .malformed("protobuf field number 0 at byte \(offset)") }
            switch tag & 7 {
            case 0: _ = try varint(bytes, &offset, end)
            case 1: try skip(8, &offset, end)
            case 5: try skip(4, &offset, end)
            case 2:
                let length = try varint(bytes, &offset, end)
                guard length <= UInt64(end - offset) else {
                    throw .malformed("protobuf length runs past its message at byte \(offset)")
                }
                let fieldEnd = offset + Int(length)
                if let child = message.child(field) {
                    try enter(child, from: message, valueDepth: valueDepth)
                    let depth = child == .arrayValue || child == .keyValueList ? valueDepth + 1 : valueDepth
                    try scan(bytes, from: offset, to: fieldEnd, as: child, valueDepth: depth)
                }
                offset = fieldEnd
            default:
                throw .malformed("protobuf wire type \(tag & 7) at byte \(offset) (groups are not used by OTLP)")
            }
        }
    }

    /// Counts `message` (a field of `parent`) against the limits as it is entered.
    private mutating func enter(_ message: Message, from parent: Message, valueDepth: Int) throws(OTLPError) {
        switch message {
        case .span:
            spans += 1
            if spans > limits.maxSpans { throw .tooManySpans(limit: limits.maxSpans) }
        case .keyValue:
            values += 1
            if values > limits.maxValues { throw .tooManyValues(limit: limits.maxValues) }
        case .arrayValue, .keyValueList:
            if valueDepth + 1 > limits.maxValueDepth {
                throw .malformed("attribute values nested deeper than \(limits.maxValueDepth)")
            }
        case .anyValue where parent == .arrayValue:
            // An array element (a key-value's own value was counted with its key).
            values += 1
            if values > limits.maxValues { throw .tooManyValues(limit: limits.maxValues) }
        default:
            break
        }
    }

    private func varint(_ bytes: UnsafeBufferPointer<UInt8>, _ offset: inout Int, _ end: Int) throws(OTLPError) -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while offset < end {
            let byte = bytes[offset]
            offset += 1
            if shift == 63, byte > 1 { break }
            value |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return value }
            shift += 7
        }
        throw .malformed("protobuf varint cut short or too long at byte \(offset)")
    }

    private func skip(_ count: Int, _ offset: inout Int, _ end: Int) throws(OTLPError) {
        guard end - offset >= count else { throw .malformed("protobuf fixed-size field cut short at byte \(offset)") }
        offset += count
    }
}
