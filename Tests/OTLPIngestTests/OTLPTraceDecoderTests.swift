import FlightdeckCore
import Foundation
@testable import OTLPIngest
import SwiftProtobuf
import Testing

/// Export requests in both encodings into the same spans, and hostile bodies refused with one
/// line and the right status.
@Suite struct OTLPTraceDecoderTests {
    static let traceID: [UInt8] = Array(0x10...0x1F)
    static let spanID: [UInt8] = [0xDE, 0xAD, 0xBE, 0xEF, 0x00, 0x01, 0x02, 0x03]
    static let parentID: [UInt8] = [0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08]

    /// The span every encoding below describes.
    static let expected = OTLPSpan(
        resource: ["service.name": .string("agent"), "flightdeck.job_id": .string("3f2a9c1b7d4e")],
        scope: "demo.scope", traceID: "101112131415161718191a1b1c1d1e1f", spanID: "deadbeef00010203",
        parentSpanID: "0102030405060708", name: "execute_tool pytest", kind: 3,
        startTimeUnixNano: 1_764_400_000_123_456_789, endTimeUnixNano: 1_764_400_002_000_000_000,
        attributes: [
            "gen_ai.operation.name": .string("execute_tool"),
            "gen_ai.usage.input_tokens": .int(9_007_199_254_740_993),
            "ratio": .double(0.5), "ok": .bool(true), "blob": .bytes([0, 255]),
            "list": .array([.string("a"), .int(2)]),
            "nested": .keyValues(["k": .string("v")]),
            "nothing": .empty,
        ],
        events: [OTLPSpan.Event(timeUnixNano: 1_764_400_001_000_000_000, name: "exception",
            attributes: ["exception.message": .string("boom")])],
        status: OTLPSpan.Status(code: 2, message: "failed"))

    static func protobufRequest() throws -> [UInt8] {
        func kv(_ key: String, _ set: (inout OTLPWireAnyValue) -> Void) -> OTLPWireKeyValue {
            var pair = OTLPWireKeyValue()
            pair.key = key
            set(&pair.value)
            return pair
        }
        var span = OTLPWireSpan()
        span.traceID = Data(traceID)
        span.spanID = Data(spanID)
        span.parentSpanID = Data(parentID)
        span.name = "execute_tool pytest"
        span.kind = .client
        span.startTimeUnixNano = 1_764_400_000_123_456_789
        span.endTimeUnixNano = 1_764_400_002_000_000_000
        var list = OTLPWireArrayValue()
        list.values = [OTLPWireAnyValue.with { $0.stringValue = "a" }, OTLPWireAnyValue.with { $0.intValue = 2 }]
        var nested = OTLPWireKeyValueList()
        nested.values = [kv("k") { $0.stringValue = "v" }]
        span.attributes = [
            kv("gen_ai.operation.name") { $0.stringValue = "execute_tool" },
            kv("gen_ai.usage.input_tokens") { $0.intValue = 9_007_199_254_740_993 },
            kv("ratio") { $0.doubleValue = 0.5 }, kv("ok") { $0.boolValue = true },
            kv("blob") { $0.bytesValue = Data([0, 255]) }, kv("list") { $0.arrayValue = list },
            kv("nested") { $0.kvlistValue = nested }, kv("nothing") { _ in },
        ]
        var event = OTLPWireSpan.Event()
        event.timeUnixNano = 1_764_400_001_000_000_000
        event.name = "exception"
        event.attributes = [kv("exception.message") { $0.stringValue = "boom" }]
        span.events = [event]
        span.status.code = .error
        span.status.message = "failed"
        var scope = OTLPWireScopeSpans()
        scope.scope.name = "demo.scope"
        scope.spans = [span]
        var resource = OTLPWireResourceSpans()
        resource.resource.attributes = [
            kv("service.name") { $0.stringValue = "agent" }, kv("flightdeck.job_id") { $0.stringValue = "3f2a9c1b7d4e" },
        ]
        resource.scopeSpans = [scope]
        var request = OTLPWireExportTraceServiceRequest()
        request.resourceSpans = [resource]
        return try request.serializedBytes()
    }

    /// OTLP/JSON as the specification spells it: hex ids, int64 as strings, enums as numbers.
    static let specJSON = #"""
        {"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"agent"}},
          {"key":"flightdeck.job_id","value":{"stringValue":"3f2a9c1b7d4e"}}]},
          "scopeSpans":[{"scope":{"name":"demo.scope","version":"1"},"spans":[{
            "traceId":"101112131415161718191A1B1C1D1E1F","spanId":"deadbeef00010203","parentSpanId":"0102030405060708",
            "name":"execute_tool pytest","kind":3,
            "startTimeUnixNano":"1764400000123456789","endTimeUnixNano":"1764400002000000000",
            "attributes":[{"key":"gen_ai.operation.name","value":{"stringValue":"execute_tool"}},
              {"key":"gen_ai.usage.input_tokens","value":{"intValue":"9007199254740993"}},
              {"key":"ratio","value":{"doubleValue":0.5}},{"key":"ok","value":{"boolValue":true}},
              {"key":"blob","value":{"bytesValue":"AP8="}},
              {"key":"list","value":{"arrayValue":{"values":[{"stringValue":"a"},{"intValue":2}]}}},
              {"key":"nested","value":{"kvlistValue":{"values":[{"key":"k","value":{"stringValue":"v"}}]}}},
              {"key":"nothing","value":{}}],
            "droppedAttributesCount":0,
            "events":[{"timeUnixNano":"1764400001000000000","name":"exception",
              "attributes":[{"key":"exception.message","value":{"stringValue":"boom"}}]}],
            "status":{"code":2,"message":"failed"}}]}]}]}
        """#

    /// The same as proto3's generic JSON mapping writes it (base64 ids, numbers for int64, enum
    /// names, snake_case keys in places).
    static let proto3JSON = #"""
        {"resource_spans":[{"resource":{"attributes":[{"key":"service.name","value":{"string_value":"agent"}},
          {"key":"flightdeck.job_id","value":{"stringValue":"3f2a9c1b7d4e"}}]},
          "scope_spans":[{"scope":{"name":"demo.scope"},"spans":[{
            "trace_id":"EBESExQVFhcYGRobHB0eHw==","spanId":"3q2+7wABAgM","parentSpanId":"AQIDBAUGBwg=",
            "name":"execute_tool pytest","kind":"SPAN_KIND_CLIENT",
            "startTimeUnixNano":1764400000123456789,"end_time_unix_nano":"1764400002000000000",
            "attributes":[{"key":"gen_ai.operation.name","value":{"stringValue":"execute_tool"}},
              {"key":"gen_ai.usage.input_tokens","value":{"intValue":9007199254740993}},
              {"key":"ratio","value":{"doubleValue":"0.5"}},{"key":"ok","value":{"boolValue":true}},
              {"key":"blob","value":{"bytesValue":"AP8"}},
              {"key":"list","value":{"arrayValue":{"values":[{"stringValue":"a"},{"intValue":"2"}]}}},
              {"key":"nested","value":{"kvlistValue":{"values":[{"key":"k","value":{"stringValue":"v"}}]}}},
              {"key":"nothing","value":{"stringValue":null}}],
            "events":[{"time_unix_nano":1764400001000000000,"name":"exception",
              "attributes":[{"key":"exception.message","value":{"stringValue":"boom"}}]}],
            "status":{"code":"STATUS_CODE_ERROR","message":"failed"},"links":[]}]}]}]}
        """#

    @Test func protobufDecodesEveryFieldItReads() throws {
        let spans = try OTLPTraceDecoder.decode(body: Self.protobufRequest(), contentType: "application/x-protobuf")
        #expect(spans == [Self.expected])
    }

    @Test(arguments: [specJSON, proto3JSON])
    func jsonDecodesTheSameSpanWhicheverWayItIsSpelled(_ body: String) throws {
        let spans = try OTLPTraceDecoder.decode(body: Array(body.utf8), contentType: "application/json; charset=utf-8")
        #expect(spans == [Self.expected])
    }

    @Test func idsAreHexOrBase64OfTheRightSize() {
        #expect(OTLPBytes.id("DEADBEEF00010203", byteCount: 8) == "deadbeef00010203")
        #expect(OTLPBytes.id("3q2+7wABAgM=", byteCount: 8) == "deadbeef00010203")
        #expect(OTLPBytes.id("3q2-7wABAgM", byteCount: 8) == "deadbeef00010203")  // URL alphabet, unpadded
        #expect(OTLPBytes.id("deadbeef", byteCount: 8) == nil)
        #expect(OTLPBytes.id("zzzzzzzzzzzzzzzz", byteCount: 8) == nil)
        #expect(OTLPBytes.id("EBESExQVFhcYGRobHB0eHw==", byteCount: 16) == "101112131415161718191a1b1c1d1e1f")
    }

    @Test func contentTypesChooseTheEncodingOrAre415() throws {
        #expect(try OTLPEncoding(contentType: "Application/X-Protobuf") == .protobuf)
        #expect(try OTLPEncoding(contentType: "application/protobuf") == .protobuf)
        #expect(try OTLPEncoding(contentType: " application/json ;charset=UTF-8") == .json)
        for type in [nil, "", "text/plain", "application/grpc", "application/jsonx"] {
            #expect(throws: OTLPError.unsupportedContentType(type ?? "")) { try OTLPEncoding(contentType: type) }
        }
        let error = OTLPError.unsupportedContentType("text/\u{1B}[2Jplain")
        #expect(error.httpStatus == 415)
        #expect(!error.description.contains("\u{1B}"))
    }

    @Test func anEmptyRequestHasNoSpans() throws {
        #expect(try OTLPTraceDecoder.decode(body: [], contentType: "application/x-protobuf").isEmpty)
        #expect(try OTLPTraceDecoder.decode(body: Array("{}".utf8), contentType: "application/json").isEmpty)
    }

    // MARK: - Hostile bodies

    static func malformedDetail(_ body: [UInt8], _ type: String = "application/json") -> String? {
        do {
            _ = try OTLPTraceDecoder.decode(body: body, contentType: type)
            return nil
        } catch {
            guard case .malformed(let detail) = error else { return "unexpected \(error)" }
            #expect(error.httpStatus == 400)
            #expect(!error.description.contains("\n"))
            return detail
        }
    }

    @Test func malformedJSONSaysWhereAndWhat() {
        #expect(Self.malformedDetail(Array(#"{"resourceSpans":[{"scopeSpans":"#.utf8))?.hasPrefix("JSON error at byte") == true)
        #expect(Self.malformedDetail(Array(#"{"resourceSpans":{}}"#.utf8)) == "resourceSpans: expected an array")
        #expect(Self.malformedDetail(Array(#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"spanId":"xyz"}]}]}]}"#.utf8))
            == "resourceSpans[0].scopeSpans[0].spans[0].spanId: not 16 hex digits nor base64 of 8 bytes")
        #expect(Self.malformedDetail(Array(#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"startTimeUnixNano":-1}]}]}]}"#.utf8))
            == "resourceSpans[0].scopeSpans[0].spans[0].startTimeUnixNano: expected a non-negative integer (number or decimal string)")
        #expect(Self.malformedDetail(Array("[1,2]".utf8)) == "the request: expected an object")
    }

    @Test func malformedProtobufIsOneLine() {
        #expect(Self.malformedDetail([0x0A, 0x05, 0x01], "application/x-protobuf")?.contains("past its message") == true)
        #expect(Self.malformedDetail([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], "application/x-protobuf")?
            .contains("varint") == true)
        #expect(Self.malformedDetail(Array("{\"resourceSpans\":[]}".utf8), "application/x-protobuf") != nil)
    }

    @Test func limitsRefuseAbsurdRequests() throws {
        let small = OTLPTraceDecoder(limits: .init(maxBodyBytes: 10))
        #expect(throws: OTLPError.tooLarge(bytes: 11, limit: 10)) {
            try small.decode(body: Array(repeating: 0x20, count: 11), contentType: "application/json")
        }
        // Many empty spans: two bytes each on the wire, refused before swift-protobuf builds them.
        let empties = Array(Array(repeating: [UInt8]([0x12, 0x00]), count: 5).joined())  // ScopeSpans: spans × 5
        let resourceSpans: [UInt8] = [0x12, UInt8(empties.count)] + empties  // ResourceSpans: scope_spans
        let request: [UInt8] = [0x0A, UInt8(resourceSpans.count)] + resourceSpans  // request: resource_spans
        let fewSpans = OTLPTraceDecoder(limits: .init(maxSpans: 4))
        #expect(throws: OTLPError.tooManySpans(limit: 4)) { try fewSpans.decode(body: request, contentType: "application/x-protobuf") }
        #expect(try OTLPTraceDecoder().decode(body: request, contentType: "application/x-protobuf").count == 5)

        let json = #"{"resourceSpans":[{"scopeSpans":[{"spans":[{},{},{},{},{}]}]}]}"#
        #expect(throws: OTLPError.tooManySpans(limit: 4)) { try fewSpans.decode(body: Array(json.utf8), contentType: "application/json") }

        let attributes = #"{"resourceSpans":[{"resource":{"attributes":[{"key":"a"},{"key":"b"},{"key":"c"}]}}]}"#
        #expect(throws: OTLPError.tooManyValues(limit: 2)) {
            try OTLPTraceDecoder(limits: .init(maxValues: 2)).decode(body: Array(attributes.utf8), contentType: "application/json")
        }
    }

    @Test func deeplyNestedValuesAreRefusedInBothEncodings() throws {
        var value = OTLPWireAnyValue.with { $0.stringValue = "leaf" }
        for _ in 0..<20 { value = OTLPWireAnyValue.with { $0.arrayValue = OTLPWireArrayValue.with { $0.values = [value] } } }
        var request = OTLPWireExportTraceServiceRequest()
        request.resourceSpans = [OTLPWireResourceSpans.with {
            $0.resource.attributes = [OTLPWireKeyValue.with { $0.key = "deep"; $0.value = value }]
        }]
        let detail = Self.malformedDetail(try request.serializedBytes(), "application/x-protobuf")
        #expect(detail == "attribute values nested deeper than 12")

        var json = #"{"stringValue":"leaf"}"#
        for _ in 0..<20 { json = #"{"arrayValue":{"values":["# + json + "]}}" }
        let body = #"{"resourceSpans":[{"resource":{"attributes":[{"key":"deep","value":"# + json + "}]}}]}"
        #expect(Self.malformedDetail(Array(body.utf8)) != nil)
    }

    // MARK: - Responses

    @Test func responsesAreTheExportResponseInTheRequestsEncoding() throws {
        #expect(OTLPResponseBody.export(rejectedSpans: 0, errorMessage: "", encoding: .json) == Array("{}".utf8))
        #expect(OTLPResponseBody.export(rejectedSpans: 0, errorMessage: "", encoding: .protobuf) == [])
        #expect(String(decoding: OTLPResponseBody.export(rejectedSpans: 2, errorMessage: "no job", encoding: .json), as: UTF8.self)
            == #"{"partialSuccess":{"rejectedSpans":"2","errorMessage":"no job"}}"#)
        let decoded = try OTLPWireExportTraceServiceResponse(
            serializedBytes: OTLPResponseBody.export(rejectedSpans: 2, errorMessage: "no job", encoding: .protobuf))
        #expect(decoded.partialSuccess.rejectedSpans == 2)
        #expect(decoded.partialSuccess.errorMessage == "no job")
        let status = try OTLPWireRpcStatus(serializedBytes: OTLPResponseBody.status(httpStatus: 400, message: "bad", encoding: .protobuf))
        #expect(status.code == 3 && status.message == "bad")
        #expect(String(decoding: OTLPResponseBody.status(httpStatus: 503, message: "later", encoding: .json), as: UTF8.self)
            == #"{"code":14,"message":"later"}"#)
    }
}
