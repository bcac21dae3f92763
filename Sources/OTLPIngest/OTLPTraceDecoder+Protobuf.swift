import Foundation
import SwiftProtobuf

extension OTLPTraceDecoder {
    /// Binary protobuf: scanned for the limits first (`ProtobufWireScan`), then decoded by
    /// swift-protobuf into the generated messages of `Proto/otlp_trace.proto`, then converted.
    func decodeProtobuf(_ body: [UInt8]) throws(OTLPError) -> [OTLPSpan] {
        var scan = ProtobufWireScan(limits: limits)
        try body.withUnsafeBufferPointer { (bytes) throws(OTLPError) in try scan.scan(bytes) }
        var options = BinaryDecodingOptions()
        options.discardUnknownFields = true
        // Request, resource spans, scope spans, span, key-value, value: 6; each level of value
        // nesting adds at most 3 (value, kvlist, key-value). The scan already held values to
        // `maxValueDepth`; this is swift-protobuf's own guard, set to agree.
        options.messageDepthLimit = 6 + 3 * limits.maxValueDepth + 2
        let request: OTLPWireExportTraceServiceRequest
        do {
            request = try OTLPWireExportTraceServiceRequest(serializedBytes: body, options: options)
        } catch let error as BinaryDecodingError {
            throw .malformed(Self.describe(error))
        } catch {
            throw .malformed("protobuf: \(error)")
        }
        var spans: [OTLPSpan] = []
        spans.reserveCapacity(scan.spans)
        for resourceSpans in request.resourceSpans {
            let resource = Self.attributes(resourceSpans.resource.attributes)
            for scopeSpans in resourceSpans.scopeSpans {
                let scope = scopeSpans.scope.name
                for span in scopeSpans.spans {
                    spans.append(OTLPSpan(
                        resource: resource, scope: scope, traceID: OTLPBytes.hex(span.traceID),
                        spanID: OTLPBytes.hex(span.spanID), parentSpanID: OTLPBytes.hex(span.parentSpanID),
                        name: span.name, kind: span.kind.rawValue, startTimeUnixNano: span.startTimeUnixNano,
                        endTimeUnixNano: span.endTimeUnixNano, attributes: Self.attributes(span.attributes),
                        events: span.events.map {
                            OTLPSpan.Event(timeUnixNano: $0.timeUnixNano, name: $0.name, attributes: Self.attributes($0.attributes))
                        },
                        status: OTLPSpan.Status(code: span.status.code.rawValue, message: span.status.message)))
                }
            }
        }
        return spans
    }

    private static func attributes(_ keyValues: [OTLPWireKeyValue]) -> OTLPAttributes {
        OTLPAttributes(keyValues.map { OTLPAttributes.Entry($0.key, value($0.value)) })
    }

    private static func value(_ value: OTLPWireAnyValue) -> OTLPValue {
        switch value.value {
        case .stringValue(let text)?: .string(text)
        case .boolValue(let flag)?: .bool(flag)
        case .intValue(let number)?: .int(number)
        case .doubleValue(let number)?: .double(number)
        case .bytesValue(let data)?: .bytes(Array(data))
        case .arrayValue(let array)?: .array(array.values.map(Self.value))
        case .kvlistValue(let list)?: .keyValues(attributes(list.values))
        case nil: .empty
        }
    }

    /// One line for swift-protobuf's reasons.
    private static func describe(_ error: BinaryDecodingError) -> String {
        switch error {
        case .truncated: "protobuf ends inside a field"
        case .invalidUTF8: "a protobuf string is not valid UTF-8"
        case .messageDepthLimit: "protobuf messages nested too deep"
        case .malformedProtobuf: "not protobuf of an ExportTraceServiceRequest"
        default: "protobuf: \(error)"
        }
    }
}
