import Foundation

/// The NATS client protocol's server side, parsed incrementally: feed it bytes as they
/// arrive (split anywhere — in a control line, a payload, a `\r\n`), take the complete
/// frames. Pure; a malformed frame is an error the connection answers by reconnecting,
/// never a crash, and no input makes it buffer more than one control line plus one payload.
public struct NATSParser: Sendable {
    /// The longest control line accepted (the server's `max_control_line` default is 4 KiB).
    public var maxControlLine: Int
    /// The largest payload accepted (the server's `max_payload`, from its INFO).
    public var maxPayload: Int

    public struct ProtocolError: Error, Sendable, Hashable, CustomStringConvertible {
        public var description: String
    }

    private enum State: Sendable {
        case control
        /// Waiting for `size` payload bytes (headers first for HMSG), then `\r\n`.
        case payload(subject: String, sid: String, replyTo: String?, headerBytes: Int, size: Int)
    }

    private var state = State.control
    private var buffer: [UInt8] = []
    private var consumed = 0

    public init(maxControlLine: Int = 4096, maxPayload: Int = 1 << 20) {
        self.maxControlLine = maxControlLine
        self.maxPayload = maxPayload
    }

    /// The frames `bytes` completes.
    public mutating func push(_ bytes: some Sequence<UInt8>) throws(ProtocolError) -> [NATSFrame] {
        buffer.append(contentsOf: bytes)
        var frames: [NATSFrame] = []
        while let frame = try next() { frames.append(frame) }
        if consumed > 0 {
            buffer.removeFirst(consumed)
            consumed = 0
        }
        return frames
    }

    private mutating func next() throws(ProtocolError) -> NATSFrame? {
        switch state {
        case .control:
            let available = buffer.count - consumed
            guard let newline = buffer[consumed...].firstIndex(of: 0x0A) else {
                if available > maxControlLine { throw ProtocolError(description: "control line longer than \(maxControlLine) bytes") }
                return nil
            }
            var end = newline
            if end > consumed, buffer[end - 1] == 0x0D { end -= 1 }
            guard end - consumed <= maxControlLine else {
                throw ProtocolError(description: "control line longer than \(maxControlLine) bytes")
            }
            let line = buffer[consumed..<end]
            consumed = newline + 1
            return try control(line)
        case .payload(let subject, let sid, let replyTo, let headerBytes, let size):
            guard buffer.count - consumed >= size + 2 else { return nil }
            let start = consumed
            let body = buffer[start..<(start + size)]
            guard buffer[start + size] == 0x0D, buffer[start + size + 1] == 0x0A else {
                throw ProtocolError(description: "message payload not followed by CRLF")
            }
            consumed = start + size + 2
            state = .control
            var headers: NATSHeaders?
            if headerBytes > 0 {
                guard let parsed = NATSHeaders(body.prefix(headerBytes)) else {
                    throw ProtocolError(description: "message headers do not start with NATS/1.0")
                }
                headers = parsed
            }
            return .message(NATSMessage(subject: subject, sid: sid, replyTo: replyTo, headers: headers,
                payload: Array(body.dropFirst(headerBytes))))
        }
    }

    private mutating func control(_ line: ArraySlice<UInt8>) throws(ProtocolError) -> NATSFrame? {
        guard let first = line.first else { return nil }  // a bare CRLF is tolerated
        let opEnd = line.firstIndex(where: { $0 == 0x20 || $0 == 0x09 }) ?? line.endIndex
        let op = String(decoding: line[line.startIndex..<opEnd], as: UTF8.self).uppercased()
        let rest = line[opEnd...]
        _ = first
        switch op {
        case "PING": return .ping
        case "PONG": return .pong
        case "+OK": return .ok
        case "-ERR":
            var text = String(decoding: rest, as: UTF8.self).trimmingCharacters(in: .whitespaces)
            if text.hasPrefix("'"), text.hasSuffix("'"), text.count >= 2 { text = String(text.dropFirst().dropLast()) }
            return .error(text)
        case "INFO":
            return .info(String(decoding: rest, as: UTF8.self).trimmingCharacters(in: .whitespaces))
        case "MSG":
            let args = Self.arguments(rest)
            guard args.count == 3 || args.count == 4, let size = Int(args.last!), size >= 0 else {
                throw ProtocolError(description: "malformed MSG line")
            }
            guard size <= maxPayload else { throw ProtocolError(description: "MSG payload of \(size) bytes exceeds \(maxPayload)") }
            state = .payload(subject: args[0], sid: args[1], replyTo: args.count == 4 ? args[2] : nil, headerBytes: 0, size: size)
            return try next()
        case "HMSG":
            let args = Self.arguments(rest)
            guard args.count == 4 || args.count == 5, let total = Int(args[args.count - 1]),
                let headers = Int(args[args.count - 2]), headers >= 0, total >= headers
            else { throw ProtocolError(description: "malformed HMSG line") }
            guard total <= maxPayload else { throw ProtocolError(description: "HMSG of \(total) bytes exceeds \(maxPayload)") }
            state = .payload(subject: args[0], sid: args[1], replyTo: args.count == 5 ? args[2] : nil,
                headerBytes: headers, size: total)
            return try next()
        default:
            throw ProtocolError(description: "unknown operation \(op.prefix(16))")
        }
    }

    private static func arguments(_ bytes: ArraySlice<UInt8>) -> [String] {
        bytes.split(whereSeparator: { $0 == 0x20 || $0 == 0x09 }).map { String(decoding: $0, as: UTF8.self) }
    }
}
