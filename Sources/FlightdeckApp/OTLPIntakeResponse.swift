import HTTPServing
import OTLPIngest

/// What `OTLPIntake` answers: the HTTP status, Content-Type and body to send back, and, for
/// the server's log, how many spans were taken and refused and one line saying why.
public struct OTLPIntakeResponse: Sendable, Hashable {
    public var status: Int
    public var contentType: String
    public var body: [UInt8]
    /// Spans whose records are now in history (or were already).
    public var acceptedSpans: Int
    /// Spans refused: those a partial success counts, or all of a failed request's (unknown: 0).
    public var rejectedSpans: Int
    /// Why spans or the request were refused; `nil` when all was accepted.
    public var message: String?

    public init(status: Int, contentType: String, body: [UInt8], acceptedSpans: Int = 0, rejectedSpans: Int = 0,
        message: String? = nil)
    {
        self.status = status
        self.contentType = contentType
        self.body = body
        self.acceptedSpans = acceptedSpans
        self.rejectedSpans = rejectedSpans
        self.message = message
    }

    /// 200: everything accepted was stored; a partial success names what was not.
    static func stored(_ mapped: MappedSpans, encoding: OTLPEncoding) -> OTLPIntakeResponse {
        let count = mapped.rejectedSpans == 1 ? "1 span" : "\(mapped.rejectedSpans) spans"
        let message = mapped.rejectedSpans > 0 ? "\(count) refused: " + mapped.errorMessage : nil
        return OTLPIntakeResponse(
            status: 200, contentType: encoding.contentType,
            body: OTLPResponseBody.export(rejectedSpans: mapped.rejectedSpans, errorMessage: message ?? "", encoding: encoding),
            acceptedSpans: mapped.acceptedSpans, rejectedSpans: mapped.rejectedSpans, message: message)
    }

    /// A refused request: `status` with a `google.rpc.Status` body saying why.
    static func failure(_ status: Int, _ message: String, encoding: OTLPEncoding) -> OTLPIntakeResponse {
        OTLPIntakeResponse(
            status: status, contentType: encoding.contentType,
            body: OTLPResponseBody.status(httpStatus: status, message: message, encoding: encoding), message: message)
    }
}

extension OTLPIntake {
    /// `receive`, as the HTTP answer `flightdeck serve` sends.
    public func httpResponse(body: [UInt8], contentType: String?) async -> HTTPResponse {
        let answer = await receive(body: body, contentType: contentType)
        return .bytes(answer.body, status: answer.status, contentType: answer.contentType)
    }
}
