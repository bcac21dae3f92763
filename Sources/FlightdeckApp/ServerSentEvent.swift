/// One Server-Sent Event as it goes on the wire (the WHATWG `text/event-stream` format).
///
/// Framing is safe for any text: `data` is split at every line break (CR, LF or CRLF) into
/// `data:` lines, which a client joins back with LF, so a newline inside a record can never
/// start a field of its own; `event` and `id` are cut at their first line break or NUL.
public struct ServerSentEvent: Sendable, Hashable {
    public var id: String?
    public var event: String?
    public var data: String

    public init(id: String? = nil, event: String? = nil, data: String) {
        self.id = id
        self.event = event
        self.data = data
    }

    /// The event's bytes, ending with the blank line that dispatches it.
    public var encoded: [UInt8] {
        var text = ""
        if let event { text += "event: " + Self.field(event) + "\n" }
        if let id { text += "id: " + Self.field(id) + "\n" }
        for line in Self.lines(data) { text += "data: " + line + "\n" }
        text += "\n"
        return Array(text.utf8)
    }

    /// A comment line (ignored by clients; keeps proxies from closing an idle stream).
    public static func comment(_ text: String) -> [UInt8] {
        Array((": " + field(text) + "\n\n").utf8)
    }

    /// `retry:`: how long a client waits before reconnecting.
    public static func retry(milliseconds: Int) -> [UInt8] {
        Array("retry: \(max(0, milliseconds))\n\n".utf8)
    }

    /// `text` up to its first CR, LF or NUL.
    static func field(_ text: String) -> String {
        String(text.unicodeScalars.prefix { $0 != "\r" && $0 != "\n" && $0 != "\0" })
    }

    /// `text` split at CRLF, CR and LF, as a client splits a stream into lines.
    static func lines(_ text: String) -> [String] {
        var lines: [String] = []
        var current = String.UnicodeScalarView()
        var previousWasCR = false
        for scalar in text.unicodeScalars {
            if scalar == "\n", previousWasCR {
                previousWasCR = false
                continue
            }
            previousWasCR = scalar == "\r"
            if scalar == "\r" || scalar == "\n" {
                lines.append(String(current))
                current = String.UnicodeScalarView()
            } else {
                current.append(scalar)
            }
        }
        lines.append(String(current))
        return lines
    }
}
