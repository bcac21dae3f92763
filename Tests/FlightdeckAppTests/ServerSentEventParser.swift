import Foundation

/// A client's reading of a `text/event-stream`, as the WHATWG spec says a browser reads it:
/// lines end at CRLF, CR or LF; `field: value` (one leading space dropped); a blank line
/// dispatches; comments (`:`) are ignored; `id` persists across events. Written from the
/// spec, apart from the server's own framing, so that the tests judge the server by it.
struct ServerSentEventParser {
    struct Event: Equatable {
        var event: String
        var data: String
        /// The last event id after this event (what `Last-Event-ID` would send).
        var lastEventID: String
        /// This event's own `id:` field, if it had one.
        var id: String?
    }

    static func events(_ text: String) -> (events: [Event], comments: [String]) {
        var events: [Event] = []
        var comments: [String] = []
        var event = ""
        var data: [String] = []
        var hasData = false
        var lastEventID = ""
        var ownID: String?
        var lines: [String] = []
        var current = ""
        var previousWasCR = false
        for character in text.unicodeScalars {
            if character == "\n", previousWasCR {
                previousWasCR = false
                continue
            }
            previousWasCR = character == "\r"
            if character == "\r" || character == "\n" {
                lines.append(current)
                current = ""
            } else {
                current.unicodeScalars.append(character)
            }
        }
        // An unterminated last line is not dispatched (the stream may still be arriving).
        for line in lines {
            if line.isEmpty {
                if hasData {
                    events.append(Event(event: event.isEmpty ? "message" : event, data: data.joined(separator: "\n"),
                        lastEventID: lastEventID, id: ownID))
                }
                event = ""
                data = []
                hasData = false
                ownID = nil
                continue
            }
            if line.hasPrefix(":") {
                comments.append(String(line.dropFirst()).trimmingCharacters(in: .whitespaces))
                continue
            }
            let field: String
            var value: String
            if let colon = line.firstIndex(of: ":") {
                field = String(line[..<colon])
                value = String(line[line.index(after: colon)...])
                if value.hasPrefix(" ") { value.removeFirst() }
            } else {
                field = line
                value = ""
            }
            switch field {
            case "event": event = value
            case "data":
                data.append(value)
                hasData = true
            case "id" where !value.contains("\0"):
                lastEventID = value
                ownID = value
            default: break
            }
        }
        return (events, comments)
    }
}
