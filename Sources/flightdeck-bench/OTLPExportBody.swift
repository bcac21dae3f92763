import Foundation

/// An OTLP `ExportTraceServiceRequest` in protobuf, written field by field from the wire
/// format (opentelemetry-proto `trace/v1`, `common/v1`; the field numbers are those of
/// `OTLPIngest`'s generated code): one resource naming the job, one scope, and `spans` GenAI
/// spans alternating `chat` (model, usage, an answer) and `execute_tool` (tool, arguments,
/// result), as an instrumented agent exports them. Span ids come from `firstSpan` on, so
/// every body's spans are new to the store. The benchmark decodes each body once with
/// `OTLPTraceDecoder` before timing, so a wrong byte here cannot go unnoticed.
struct OTLPExportBody {
    let jobID: String
    let spans: Int
    let firstSpan: UInt64

    var bytes: [UInt8] {
        var resource: [UInt8] = []
        resource.message(1, Self.attribute("flightdeck.job_id", string: jobID))
        resource.message(1, Self.attribute("k8s.namespace.name", string: "agents"))
        resource.message(1, Self.attribute("service.name", string: "bench-agent"))
        var scope: [UInt8] = []
        scope.string(1, "flightdeck-bench")
        var scopeSpans: [UInt8] = []
        scopeSpans.message(1, scope)
        let base = UInt64(1_764_900_000) * 1_000_000_000 + firstSpan * 1_000_000
        for index in 0..<UInt64(spans) {
            let id = firstSpan + index
            var span: [UInt8] = []
            span.bytes(1, Self.big(firstSpan, width: 16))  // one trace per body
            span.bytes(2, Self.big(id, width: 8))
            let start = base + index * 2_000_000
            if index % 2 == 0 {
                span.string(5, "chat gpt-4o")
                span.varint(6, 3)  // SPAN_KIND_CLIENT
                span.fixed64(7, start)
                span.fixed64(8, start + 1_500_000)
                span.message(9, Self.attribute("gen_ai.operation.name", string: "chat"))
                span.message(9, Self.attribute("gen_ai.request.model", string: "gpt-4o"))
                span.message(9, Self.attribute("gen_ai.usage.input_tokens", integer: 1_200 + Int64(index)))
                span.message(9, Self.attribute("gen_ai.usage.output_tokens", integer: 180))
                span.message(9, Self.attribute("gen_ai.completion",
                    string: "The failing test expects the parser to keep the trailing newline; I will change Lexer.swift so that the last token keeps it (step \(id))."))
            } else {
                span.string(5, "execute_tool bash")
                span.varint(6, 1)  // SPAN_KIND_INTERNAL
                span.fixed64(7, start)
                span.fixed64(8, start + 900_000)
                span.message(9, Self.attribute("gen_ai.operation.name", string: "execute_tool"))
                span.message(9, Self.attribute("gen_ai.tool.name", string: "bash"))
                span.message(9, Self.attribute("gen_ai.tool.call.arguments", string: "{\"command\":\"swift test --filter LexerTests/\(id)\"}"))
                span.message(9, Self.attribute("gen_ai.tool.call.result",
                    string: "Test Suite 'LexerTests' passed at 2026-12-05 02:00:00.000. Executed 14 tests, with 0 failures (0 unexpected) in 0.031 seconds"))
                span.message(9, Self.attribute("process.exit.code", integer: 0))
            }
            scopeSpans.message(2, span)
        }
        var resourceSpans: [UInt8] = []
        resourceSpans.message(1, resource)
        resourceSpans.message(2, scopeSpans)
        var request: [UInt8] = []
        request.message(1, resourceSpans)
        return request
    }

    /// A `KeyValue` with a string `AnyValue`.
    static func attribute(_ key: String, string value: String) -> [UInt8] {
        var any: [UInt8] = []
        any.string(1, value)
        var pair: [UInt8] = []
        pair.string(1, key)
        pair.message(2, any)
        return pair
    }

    /// A `KeyValue` with an `int_value`.
    static func attribute(_ key: String, integer value: Int64) -> [UInt8] {
        var any: [UInt8] = []
        any.varint(3, UInt64(bitPattern: value))
        var pair: [UInt8] = []
        pair.string(1, key)
        pair.message(2, any)
        return pair
    }

    /// `value` big-endian in `width` bytes (zero-padded on the left).
    static func big(_ value: UInt64, width: Int) -> [UInt8] {
        [UInt8](repeating: 0, count: width - 8) + (0..<8).map { UInt8(truncatingIfNeeded: value >> (56 - 8 * $0)) }
    }
}

/// Protobuf wire format, appended.
private extension [UInt8] {
    mutating func rawVarint(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        append(UInt8(value))
    }

    mutating func varint(_ field: Int, _ value: UInt64) {
        rawVarint(UInt64(field << 3))
        rawVarint(value)
    }

    mutating func fixed64(_ field: Int, _ value: UInt64) {
        rawVarint(UInt64(field << 3 | 1))
        for shift in stride(from: 0, to: 64, by: 8) { append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    mutating func bytes(_ field: Int, _ value: [UInt8]) {
        rawVarint(UInt64(field << 3 | 2))
        rawVarint(UInt64(value.count))
        append(contentsOf: value)
    }

    mutating func string(_ field: Int, _ value: String) { bytes(field, Array(value.utf8)) }

    mutating func message(_ field: Int, _ value: [UInt8]) { bytes(field, value) }
}
