import FlightdeckCore
import KubeModel

/// What the router answers: a whole body, or a stream of chunks (watches and log follows)
/// that the connection writes as they come and ends when the sequence ends.
public enum APIServerResponse: Sendable {
    case full(status: Int, headers: [(name: String, value: String)], body: [UInt8])
    case stream(status: Int, headers: [(name: String, value: String)], body: any AsyncSequence<[UInt8], Never> & Sendable)

    /// A JSON object with the apiserver's content type.
    public static func json(_ value: JSONValue, status: Int = 200, warnings: [String] = []) -> APIServerResponse {
        var headers: [(name: String, value: String)] = [("Content-Type", "application/json")]
        for warning in warnings { headers.append(("Warning", "299 - \"\(warning.replacingOccurrences(of: "\"", with: "\\\""))\"")) }
        return .full(status: status, headers: headers, body: Array(value.serialized.utf8))
    }

    /// A `Status` error, sent with its own code.
    public static func status(_ status: Status) -> APIServerResponse {
        .json(status.json, status: status.code ?? 500)
    }

    public var statusCode: Int {
        switch self {
        case .full(let status, _, _), .stream(let status, _, _): status
        }
    }
}
