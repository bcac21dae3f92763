import FlightdeckCore
import Foundation

/// The timestamps of container log lines: RFC 3339 with exactly nine fraction digits in UTC
/// (`2026-11-29T04:23:08.123456000Z`), what the kubelet writes in CRI log files and prints
/// for `timestamps=true` (Go's fixed-width `RFC3339NanoFixed`).
///
/// Fixed width matters: a line's time is then compared to `sinceTime` as bytes, with no
/// parsing per line. `Date` holds about a microsecond of precision, so the last three digits
/// are zero.
enum LogTimestamp {
    static let width = 30

    static func string(from date: Date) -> String {
        let micros = Int64((date.timeIntervalSince1970 * 1_000_000).rounded(.down))
        var seconds = micros / 1_000_000
        var fraction = micros % 1_000_000
        if fraction < 0 {
            fraction += 1_000_000
            seconds -= 1
        }
        let base = RFC3339.string(from: Date(timeIntervalSince1970: Double(seconds)))  // …:08.000Z
        let digits = String(fraction)
        return String(base.prefix(19)) + "." + String(repeating: "0", count: 6 - digits.count) + digits + "000Z"
    }

    static func bytes(from date: Date) -> [UInt8] { Array(string(from: date).utf8) }

    /// Formats many stamps fast: the `YYYY-MM-DDTHH:MM:SS.` part is reused within a second,
    /// so a busy writer does calendar arithmetic once per second, not once per line.
    struct Cache {
        private var second: Int64 = .min
        private var prefix: [UInt8] = []

        mutating func bytes(from date: Date) -> [UInt8] {
            let micros = Int64((date.timeIntervalSince1970 * 1_000_000).rounded(.down))
            var seconds = micros / 1_000_000
            var fraction = micros % 1_000_000
            if fraction < 0 {
                fraction += 1_000_000
                seconds -= 1
            }
            if seconds != second {
                second = seconds
                prefix = Array(RFC3339.string(from: Date(timeIntervalSince1970: Double(seconds))).utf8.prefix(20))
            }
            var out = prefix
            out.reserveCapacity(LogTimestamp.width)
            var digits = [UInt8](repeating: UInt8(ascii: "0"), count: 6)
            var value = fraction
            for index in stride(from: 5, through: 0, by: -1) {
                digits[index] = UInt8(ascii: "0") + UInt8(value % 10)
                value /= 10
            }
            out += digits
            out += Array("000Z".utf8)
            return out
        }
    }
}
