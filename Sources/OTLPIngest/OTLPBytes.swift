import Foundation

/// Trace and span ids between their encodings: bytes on the protobuf wire, lowercase hex in
/// OTLP/JSON (as the specification says) or base64 (proto3's JSON mapping for bytes, which
/// some exporters follow).
enum OTLPBytes {
    private static let digits = Array("0123456789abcdef".utf8)

    /// Lowercase hex of `bytes`.
    static func hex(_ bytes: some Collection<UInt8>) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// An id as OTLP/JSON spells it, as lowercase hex: `text` itself when it is hex of
    /// `byteCount` bytes (any case), else the hex of its base64 (standard or URL alphabet,
    /// padded or not) when that decodes to exactly `byteCount` bytes; `nil` otherwise. The
    /// two cannot be confused: hex of n bytes has 2n characters, base64 about 4n/3.
    static func id(_ text: String, byteCount: Int) -> String? {
        let utf8 = text.utf8
        if utf8.count == byteCount * 2, utf8.allSatisfy(isHexDigit) { return text.lowercased() }
        guard let bytes = base64(text), bytes.count == byteCount else { return nil }
        return hex(bytes)
    }

    /// The bytes of base64 text in the standard or URL alphabet, with or without padding.
    static func base64(_ text: String) -> [UInt8]? {
        var normalized = String(text.map { $0 == "-" ? "+" : $0 == "_" ? "/" : $0 })
        let remainder = normalized.utf8.count % 4
        if remainder == 1 { return nil }
        if remainder > 0 { normalized += String(repeating: "=", count: 4 - remainder) }
        return Data(base64Encoded: normalized).map { Array($0) }
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x46).contains(byte) || (0x61...0x66).contains(byte)
    }
}
