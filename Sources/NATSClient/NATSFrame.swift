import Foundation

/// One operation the server sends (the NATS client protocol, server to client).
public enum NATSFrame: Sendable, Hashable {
    /// `INFO {json}`: the raw JSON text.
    case info(String)
    /// `MSG` or `HMSG`: a delivered message.
    case message(NATSMessage)
    case ping
    case pong
    case ok
    /// `-ERR 'text'`: the text without its quotes.
    case error(String)
}

/// A message delivered on a subscription.
public struct NATSMessage: Sendable, Hashable {
    public var subject: String
    public var sid: String
    public var replyTo: String?
    /// Parsed `HMSG` headers (`nil` for `MSG`).
    public var headers: NATSHeaders?
    public var payload: [UInt8]

    public init(subject: String, sid: String, replyTo: String? = nil, headers: NATSHeaders? = nil, payload: [UInt8]) {
        self.subject = subject
        self.sid = sid
        self.replyTo = replyTo
        self.headers = headers
        self.payload = payload
    }
}

/// `NATS/1.0[ code[ description]]` then `Name: value` lines: message headers, and the
/// status JetStream answers pull requests with (`404 No Messages`, `408 Request Timeout`).
public struct NATSHeaders: Sendable, Hashable {
    public var statusCode: Int?
    public var statusDescription: String?
    public var fields: [(name: String, value: String)]

    public init(statusCode: Int? = nil, statusDescription: String? = nil, fields: [(name: String, value: String)] = []) {
        self.statusCode = statusCode
        self.statusDescription = statusDescription
        self.fields = fields
    }

    public subscript(name: String) -> String? {
        let lowered = name.lowercased()
        return fields.first { $0.name.lowercased() == lowered }?.value
    }

    /// Parses a header block; `nil` when it does not start with `NATS/1.0`.
    public init?(_ bytes: ArraySlice<UInt8>) {
        let text = String(decoding: bytes, as: UTF8.self)
        var lines = text.components(separatedBy: "\r\n")
        guard let first = lines.first, first.hasPrefix("NATS/1.0") else { return nil }
        lines.removeFirst()
        let status = first.dropFirst("NATS/1.0".count).trimmingCharacters(in: .whitespaces)
        if !status.isEmpty {
            let parts = status.split(separator: " ", maxSplits: 1)
            statusCode = Int(parts[0])
            statusDescription = parts.count > 1 ? String(parts[1]) : nil
        }
        fields = lines.compactMap { line in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
    }

    /// The wire form (`NATS/1.0\r\nName: value\r\n\r\n`).
    public var bytes: [UInt8] {
        var text = "NATS/1.0"
        if let statusCode { text += " \(statusCode)" + (statusDescription.map { " " + $0 } ?? "") }
        text += "\r\n"
        for (name, value) in fields { text += "\(name): \(value)\r\n" }
        return Array((text + "\r\n").utf8)
    }

    public static func == (a: NATSHeaders, b: NATSHeaders) -> Bool {
        a.statusCode == b.statusCode && a.statusDescription == b.statusDescription
            && a.fields.map(\.name) == b.fields.map(\.name) && a.fields.map(\.value) == b.fields.map(\.value)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(statusCode)
        for field in fields { hasher.combine(field.name); hasher.combine(field.value) }
    }
}
