import FlightdeckCore

/// Why an OTLP export request was refused as a whole, in one line for the response body and
/// the server's log, with the HTTP status OTLP/HTTP expects for it.
///
/// The descriptions never echo more than a short, sanitised piece of what the client sent.
public enum OTLPError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The Content-Type is neither OTLP/protobuf nor OTLP/JSON (415).
    case unsupportedContentType(String)
    /// The body is larger than the decoder's limit (413).
    case tooLarge(bytes: Int, limit: Int)
    /// The request holds more spans than the decoder's limit (413).
    case tooManySpans(limit: Int)
    /// The request holds more attribute values than the decoder's limit (413).
    case tooManyValues(limit: Int)
    /// The body is not an export request: broken protobuf or JSON, a field of the wrong type,
    /// values nested too deep (400). Says where and what.
    case malformed(String)

    /// The HTTP status to answer with. None is retryable: sending the same bytes again fails
    /// the same way.
    public var httpStatus: Int {
        switch self {
        case .unsupportedContentType: 415
        case .tooLarge, .tooManySpans, .tooManyValues: 413
        case .malformed: 400
        }
    }

    public var description: String {
        switch self {
        case .unsupportedContentType(let type):
            let shown = type.isEmpty ? "none" : "'\(TerminalSanitizer.sanitize(String(type.prefix(100))))'"
            return "unsupported Content-Type \(shown): send application/x-protobuf or application/json"
        case .tooLarge(let bytes, let limit):
            return "request body of \(bytes) bytes is over the limit of \(limit) bytes: export smaller batches"
        case .tooManySpans(let limit):
            return "request holds more than \(limit) spans: export smaller batches"
        case .tooManyValues(let limit):
            return "request holds more than \(limit) attribute values: export smaller batches"
        case .malformed(let detail):
            return "malformed OTLP trace request: \(detail)"
        }
    }
}
