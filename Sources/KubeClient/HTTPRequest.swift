import Foundation

/// One HTTP request for the API server.
public struct HTTPRequest: Sendable, Hashable {
    public var method: String
    public var url: String
    /// Header lines in order, `Name: value`.
    public var headers: [String]
    public var body: [UInt8]?
    /// Gives up on connecting after this long.
    public var connectTimeout: TimeInterval
    /// Gives up on the whole transfer after this long; `nil` for streams (watch, log follow).
    public var timeout: TimeInterval?

    public init(
        method: String = "GET", url: String, headers: [String] = [], body: [UInt8]? = nil,
        connectTimeout: TimeInterval = 10, timeout: TimeInterval? = 60
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.connectTimeout = connectTimeout
        self.timeout = timeout
    }
}

/// The status line and headers of a response.
public struct HTTPResponseHead: Sendable, Hashable {
    public var status: Int
    /// Header fields in order, names lower-cased.
    public var headers: [(name: String, value: String)]

    public init(status: Int, headers: [(name: String, value: String)]) {
        self.status = status
        self.headers = headers
    }

    public func header(_ name: String) -> String? {
        let lowered = name.lowercased()
        return headers.first { $0.name == lowered }?.value
    }

    public static func == (lhs: HTTPResponseHead, rhs: HTTPResponseHead) -> Bool {
        lhs.status == rhs.status && lhs.headers.elementsEqual(rhs.headers) { $0 == $1 }
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(status)
        for (name, value) in headers {
            hasher.combine(name)
            hasher.combine(value)
        }
    }
}

/// A complete response.
public struct HTTPResponse: Sendable, Hashable {
    public var head: HTTPResponseHead
    public var body: [UInt8]

    public init(head: HTTPResponseHead, body: [UInt8]) {
        self.head = head
        self.body = body
    }

    public var status: Int { head.status }
}

/// What a streamed response delivers: the head once, then body chunks as they arrive.
public enum HTTPStreamEvent: Sendable, Hashable {
    case head(HTTPResponseHead)
    case data([UInt8])
}

/// Why a transfer failed below HTTP: connection refused, TLS, DNS, timeout.
public struct TransportError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The libcurl result code.
    public var code: Int
    public var message: String
    public var url: String

    public var description: String { "\(url): \(message)" }
}
