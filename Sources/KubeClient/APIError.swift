import FlightdeckCore
import KubeModel

/// A request the API server answered with an error, as the sentence the user reads.
///
/// The apiserver's `Status` message already is that sentence (`jobs.batch "x" is forbidden:
/// User "u" cannot create ...`); when a proxy or a broken server answers with something else,
/// a Status is made from the HTTP code and the first line of the body (sanitised: it is
/// text from the network).
public struct APIError: Error, Sendable, CustomStringConvertible {
    public var status: Status
    public var method: String
    public var url: String

    public init(status: Status, method: String, url: String) {
        self.status = status
        self.method = method
        self.url = url
    }

    public var code: Int { status.code ?? 0 }
    public var reason: String { status.reason ?? "" }
    public var description: String { status.sentence }

    /// `nil` for a 2xx response.
    public static func from(_ response: HTTPResponse, method: String, url: String) -> APIError? {
        guard !(200..<300).contains(response.status) else { return nil }
        if let json = try? JSONParser().parse(response.body), Status.isStatus(json) {
            var status = Status(json: json)
            if status.code == nil { status.code = response.status }
            return APIError(status: status, method: method, url: url)
        }
        let firstLine = String(decoding: response.body.prefix(400), as: UTF8.self)
            .split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        let detail = TerminalSanitizer.sanitize(SecretRedactor().redact(String(firstLine.prefix(200))))
        let reason = Self.reasons[response.status] ?? (response.status >= 500 ? "InternalError" : "Unknown")
        var message = "the server responded with HTTP \(response.status) to \(method) \(url)"
        if !detail.isEmpty { message += ": \(detail)" }
        return APIError(status: .make(code: response.status, reason: reason, message: message), method: method, url: url)
    }

    static let reasons: [Int: String] = [
        400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound", 405: "MethodNotAllowed",
        409: "Conflict", 410: "Expired", 415: "UnsupportedMediaType", 422: "Invalid", 429: "TooManyRequests",
        500: "InternalError", 503: "ServiceUnavailable", 504: "Timeout",
    ]
}
