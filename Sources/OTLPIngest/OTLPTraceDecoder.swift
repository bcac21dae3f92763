/// Reads an OTLP/HTTP trace export request (`POST /v1/traces`) into `OTLPSpan`s, from binary
/// protobuf or from OTLP/JSON. Pure.
///
/// The client is hostile: the body's size, the number of spans and the nesting of attribute
/// values are bounded (`Limits`), and anything that is not an export request is refused with
/// one line saying where and what. Strings are NOT cleaned here (see `SpanMapping`).
///
/// OTLP/JSON is read with Flightdeck's own `JSONParser`, leniently where exporters differ:
/// - keys in lowerCamelCase (the specification) or in the proto's snake_case;
/// - trace and span ids in hex (the specification) or base64 (proto3's mapping of `bytes`);
/// - 64-bit integers (`intValue`, times) as JSON strings or numbers;
/// - enums (`kind`, `status.code`) as numbers or by name (`SPAN_KIND_CLIENT`).
/// A field of the wrong type is an error; unknown fields and `null` are ignored.
public struct OTLPTraceDecoder: Sendable {
    public struct Limits: Sendable, Hashable {
        /// Largest body read (after any gzip was undone by the HTTP layer). 16 MiB: the
        /// OpenTelemetry SDKs export batches of 512 spans, far below it.
        public var maxBodyBytes: Int
        /// Most spans in one request.
        public var maxSpans: Int
        /// Most attribute values in one request: every key-value of resources, spans and events,
        /// nested ones and array elements included. With `maxSpans`, it keeps what a small body
        /// can make the decoder allocate (an empty attribute is two bytes) proportional to the
        /// real content.
        public var maxValues: Int
        /// How deep attribute values may nest (arrays and kvlists in arrays and kvlists).
        public var maxValueDepth: Int

        public init(maxBodyBytes: Int = 16 << 20, maxSpans: Int = 20_000, maxValues: Int = 500_000, maxValueDepth: Int = 12) {
            self.maxBodyBytes = max(0, maxBodyBytes)
            self.maxSpans = max(0, maxSpans)
            self.maxValues = max(0, maxValues)
            self.maxValueDepth = min(max(1, maxValueDepth), 64)
        }
    }

    public var limits: Limits

    public init(limits: Limits = Limits()) {
        self.limits = limits
    }

    /// The spans of `body`, in request order, in the encoding `contentType` names.
    public func decode(body: [UInt8], contentType: String?) throws(OTLPError) -> [OTLPSpan] {
        let encoding = try OTLPEncoding(contentType: contentType)
        return try decode(body: body, encoding: encoding)
    }

    /// The spans of `body` in `encoding`, in request order.
    public func decode(body: [UInt8], encoding: OTLPEncoding) throws(OTLPError) -> [OTLPSpan] {
        guard body.count <= limits.maxBodyBytes else {
            throw .tooLarge(bytes: body.count, limit: limits.maxBodyBytes)
        }
        return switch encoding {
        case .protobuf: try decodeProtobuf(body)
        case .json: try decodeJSON(body)
        }
    }

    /// `decode(body:contentType:)` with the default limits.
    public static func decode(body: [UInt8], contentType: String?) throws(OTLPError) -> [OTLPSpan] {
        try OTLPTraceDecoder().decode(body: body, contentType: contentType)
    }
}
