/// Reads an HTTP/1.1 response carrying Server-Sent Events (chunked or not) a few bytes at a
/// time and hands out the `id:` of each event as it completes its line: the status line and
/// headers are checked and skipped, chunk framing is undone, then each line of the event
/// stream is matched against `id: ` (what `flightdeck serve` writes) with no copying.
struct SSEIDParser {
    private enum State {
        case head, chunkSize, chunkExtension, chunkData(remaining: Int), chunkEnd(remaining: Int), plain, ended
    }

    private var state = State.head
    private var head: [UInt8] = []
    private var chunked = false
    private var size = 0
    /// Where the current event-stream line is: how many bytes of `id: ` matched (-1: not an id line).
    private var matched = 0
    private var value: Int64 = 0
    private var digits = 0
    /// The status line said 200; set once the head is read.
    private(set) var ok = false
    /// The response head (for an error message).
    var headText: String { String(decoding: head, as: UTF8.self) }

    private static let prefix = Array("id: ".utf8)

    /// Feeds `bytes`; `id` is called with each complete `id:` value.
    mutating func feed(_ bytes: UnsafeRawBufferPointer, id: (Int64) -> Void) {
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            switch state {
            case .head:
                head.append(byte)
                index += 1
                if head.count >= 4, head[head.count - 4] == 13, head[head.count - 3] == 10, head[head.count - 2] == 13,
                   byte == 10
                {
                    let text = String(decoding: head, as: UTF8.self).lowercased()
                    ok = text.hasPrefix("http/1.1 200")
                    chunked = text.contains("transfer-encoding: chunked")
                    state = chunked ? .chunkSize : .plain
                    size = 0
                }
            case .chunkSize:
                index += 1
                if let digit = Self.hex(byte) {
                    size = size * 16 + digit
                } else if byte == 10 {
                    state = size == 0 ? .ended : .chunkData(remaining: size)
                } else if byte != 13 {
                    state = .chunkExtension
                }
            case .chunkExtension:
                index += 1
                if byte == 10 { state = size == 0 ? .ended : .chunkData(remaining: size) }
            case .chunkData(let remaining):
                let count = min(remaining, bytes.count - index)
                line(UnsafeRawBufferPointer(rebasing: bytes[index..<(index + count)]), id: id)
                index += count
                state = remaining == count ? .chunkEnd(remaining: 2) : .chunkData(remaining: remaining - count)
            case .chunkEnd(let remaining):
                index += 1
                if remaining == 1 {
                    state = .chunkSize
                    size = 0
                } else {
                    state = .chunkEnd(remaining: remaining - 1)
                }
            case .plain:
                line(UnsafeRawBufferPointer(rebasing: bytes[index...]), id: id)
                index = bytes.count
            case .ended:
                index = bytes.count
            }
        }
    }

    /// Event-stream bytes.
    private mutating func line(_ bytes: UnsafeRawBufferPointer, id: (Int64) -> Void) {
        for byte in bytes {
            if byte == 10 {
                if matched == 4, digits > 0 { id(value) }
                matched = 0
                value = 0
                digits = 0
            } else if matched == 4 {
                if byte >= 48, byte <= 57 {
                    value = value * 10 + Int64(byte - 48)
                    digits += 1
                } else if byte != 13 {
                    matched = -1
                }
            } else if matched >= 0 {
                matched = byte == Self.prefix[matched] ? matched + 1 : -1
            }
        }
    }

    private static func hex(_ byte: UInt8) -> Int? {
        switch byte {
        case 48...57: Int(byte - 48)
        case 97...102: Int(byte - 87)
        case 65...70: Int(byte - 55)
        default: nil
        }
    }
}
