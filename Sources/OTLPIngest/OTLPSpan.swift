/// One span of an OTLP export, decoded from protobuf or JSON into a form that does not depend
/// on the encoding: what `SpanMapping` turns into trace records.
///
/// Nothing here is cleaned: names and attribute strings are the exporter's own bytes (decoded
/// as UTF-8, invalid sequences repaired), ids are lowercase hex of whatever bytes were sent
/// (`""` when none were). Validating them is the mapping's job.
public struct OTLPSpan: Sendable, Hashable {
    /// The attributes of the resource that sent the span (`service.name`, `k8s.job.name`,
    /// `flightdeck.job_id`, ...).
    public var resource: OTLPAttributes
    /// The instrumentation scope's (library's) name, `""` when not given.
    public var scope: String
    /// 16 bytes as 32 lowercase hex digits, when the exporter followed the specification.
    public var traceID: String
    /// 8 bytes as 16 lowercase hex digits, when the exporter followed the specification.
    public var spanID: String
    /// `""` for a root span.
    public var parentSpanID: String
    public var name: String
    /// `SpanKind` as its number (0 unspecified, 1 internal, 2 server, 3 client, 4 producer,
    /// 5 consumer).
    public var kind: Int
    /// Nanoseconds since the Unix epoch; 0 when not given.
    public var startTimeUnixNano: UInt64
    public var endTimeUnixNano: UInt64
    public var attributes: OTLPAttributes
    public var events: [Event]
    public var status: Status

    public init(
        resource: OTLPAttributes = [:], scope: String = "", traceID: String = "", spanID: String,
        parentSpanID: String = "", name: String, kind: Int = 0, startTimeUnixNano: UInt64 = 0,
        endTimeUnixNano: UInt64 = 0, attributes: OTLPAttributes = [:], events: [Event] = [],
        status: Status = Status()
    ) {
        self.resource = resource
        self.scope = scope
        self.traceID = traceID
        self.spanID = spanID
        self.parentSpanID = parentSpanID
        self.name = name
        self.kind = kind
        self.startTimeUnixNano = startTimeUnixNano
        self.endTimeUnixNano = endTimeUnixNano
        self.attributes = attributes
        self.events = events
        self.status = status
    }

    /// A time-stamped annotation of the span (an `exception`, a GenAI `gen_ai.choice`, ...).
    public struct Event: Sendable, Hashable {
        public var timeUnixNano: UInt64
        public var name: String
        public var attributes: OTLPAttributes

        public init(timeUnixNano: UInt64 = 0, name: String, attributes: OTLPAttributes = [:]) {
            self.timeUnixNano = timeUnixNano
            self.name = name
            self.attributes = attributes
        }
    }

    /// How the span ended, as its instrumentation said.
    public struct Status: Sendable, Hashable {
        /// 0 unset, 1 ok, 2 error (`StatusCode`); other numbers are kept as sent.
        public var code: Int
        public var message: String

        public init(code: Int = 0, message: String = "") {
            self.code = code
            self.message = message
        }

        public static let errorCode = 2

        public var isError: Bool { code == Self.errorCode }
    }
}
