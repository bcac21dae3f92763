import Foundation

/// RFC 3339 timestamps, read leniently and written in one canonical form.
///
/// Why hand-written: `ISO8601DateFormatter` costs ~126 µs per call on Linux and every trace
/// line carries a `ts`; this is plain calendar arithmetic (Howard Hinnant's
/// days-from-civil) over the UTF-8 bytes, ~100 ns, with no locale, time zone database or
/// allocation involved.
public enum RFC3339 {
    // MARK: - Parsing

    /// Reads `2026-11-29T04:23:08Z` and the variants agents actually write.
    ///
    /// Accepted: `T`, `t` or a space between date and time; a fraction of any length after
    /// `.` or `,` (digits past nanoseconds are read and ignored); offsets `Z`, `z`, `+02:00`,
    /// `+0200`, `+02`; surrounding ASCII spaces. A missing offset is read as UTC: Python's
    /// `datetime.utcnow().isoformat()` writes none, and guessing the agent's local zone would
    /// be worse. Seconds may be 60 (a leap second), which reads as the next minute's first
    /// second. Out-of-range fields (`2026-02-30`, `25:00`) make the text invalid: `nil`.
    public static func date(from text: String) -> Date? {
        var text = text
        return text.withUTF8 { date(from: $0) }
    }

    /// The same as `date(from:)` for a `String`, over UTF-8 bytes.
    public static func date(from bytes: UnsafeBufferPointer<UInt8>) -> Date? {
        var start = 0
        var end = bytes.count
        while start < end, bytes[start] == UInt8(ascii: " ") { start += 1 }
        while end > start, bytes[end - 1] == UInt8(ascii: " ") { end -= 1 }
        var reader = Reader(bytes: UnsafeBufferPointer(rebasing: bytes[start..<end]))
        return reader.readTimestamp()
    }

    // MARK: - Formatting

    /// `2026-11-29T04:23:08.123Z`: UTC, always milliseconds, always 24 characters.
    ///
    /// Milliseconds are rounded down (after rounding to the microsecond), so a formatted time
    /// never lies in the future of the real one. Times outside years 0000...9999 are clamped
    /// to those bounds (and NaN reads as 1970), because the output has a fixed four-digit year.
    public static func string(from date: Date) -> String {
        var seconds = date.timeIntervalSince1970
        if seconds.isNaN { seconds = 0 }
        seconds = min(max(seconds, earliest), latest)
        // Round to the microsecond first: a Date holds seconds since 2001 as a Double, so
        // 1970-based values such as -0.001 come back a hair off.
        let microseconds = Int64((seconds * 1_000_000).rounded())
        let milliseconds = floorDivide(microseconds, 1000)
        let days = floorDivide(milliseconds, 86_400_000)
        let millisecondOfDay = Int(milliseconds - days * 86_400_000)
        let (year, month, day) = civil(fromDays: days)
        return String(unsafeUninitializedCapacity: 24) { buffer in
            var index = 0
            func put(_ value: Int, width: Int, then separator: UInt8) {
                var value = value
                for offset in stride(from: width - 1, through: 0, by: -1) {
                    buffer[index + offset] = UInt8(ascii: "0") + UInt8(value % 10)
                    value /= 10
                }
                buffer[index + width] = separator
                index += width + 1
            }
            put(year, width: 4, then: UInt8(ascii: "-"))
            put(month, width: 2, then: UInt8(ascii: "-"))
            put(day, width: 2, then: UInt8(ascii: "T"))
            put(millisecondOfDay / 3_600_000, width: 2, then: UInt8(ascii: ":"))
            put(millisecondOfDay / 60_000 % 60, width: 2, then: UInt8(ascii: ":"))
            put(millisecondOfDay / 1000 % 60, width: 2, then: UInt8(ascii: "."))
            put(millisecondOfDay % 1000, width: 3, then: UInt8(ascii: "Z"))
            return index
        }
    }

    // MARK: - Calendar arithmetic

    /// 0000-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z as Unix times.
    static let earliest = Double(daysFromCivil(year: 0, month: 1, day: 1) * 86_400)
    static let latest = Double(daysFromCivil(year: 9999, month: 12, day: 31) * 86_400) + 86_399.999

    /// Days since 1970-01-01 in the proleptic Gregorian calendar.
    static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = floorDivide(shiftedYear, 400)
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The inverse of `daysFromCivil`.
    static func civil(fromDays days: Int64) -> (year: Int, month: Int, day: Int) {
        let shifted = days + 719_468
        let era = floorDivide(shifted, 146_097)
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (Int(year), Int(month), Int(day))
    }

    static func daysInMonth(year: Int64, month: Int64) -> Int64 {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    private static func floorDivide(_ value: Int64, _ divisor: Int64) -> Int64 {
        let quotient = value / divisor
        return value % divisor < 0 ? quotient - 1 : quotient
    }
}

// MARK: - Reader

extension RFC3339 {
    /// A cursor over the timestamp's bytes; every read checks bounds, so any input is safe.
    private struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        var position = 0

        init(bytes: UnsafeBufferPointer<UInt8>) {
            self.bytes = bytes
        }

        mutating func readTimestamp() -> Date? {
            guard let year = digits(4), skip(UInt8(ascii: "-")),
                let month = digits(2), (1...12).contains(month), skip(UInt8(ascii: "-")),
                let day = digits(2), (1...daysInMonth(year: year, month: month)).contains(day),
                skipAny(UInt8(ascii: "T"), UInt8(ascii: "t"), UInt8(ascii: " ")),
                let hour = digits(2), hour < 24, skip(UInt8(ascii: ":")),
                let minute = digits(2), minute < 60, skip(UInt8(ascii: ":")),
                let second = digits(2), second <= 60
            else { return nil }

            var fraction = 0.0
            if skipAny(UInt8(ascii: "."), UInt8(ascii: ",")) {
                guard let value = fractionDigits() else { return nil }
                fraction = value
            }
            guard let offset = offsetSeconds(), position == bytes.count else { return nil }

            let days = daysFromCivil(year: year, month: month, day: day)
            let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset
            return Date(timeIntervalSince1970: Double(seconds) + fraction)
        }

        /// Exactly `count` ASCII digits as a number.
        private mutating func digits(_ count: Int) -> Int64? {
            guard position + count <= bytes.count else { return nil }
            var value: Int64 = 0
            for _ in 0..<count {
                let digit = bytes[position] &- UInt8(ascii: "0")
                guard digit < 10 else { return nil }
                value = value * 10 + Int64(digit)
                position += 1
            }
            return value
        }

        /// One or more digits after the decimal mark, as a fraction of a second.
        private mutating func fractionDigits() -> Double? {
            var numerator: Int64 = 0
            var denominator: Int64 = 1
            let start = position
            while position < bytes.count, bytes[position] &- UInt8(ascii: "0") < 10 {
                if denominator < 1_000_000_000 {
                    numerator = numerator * 10 + Int64(bytes[position] - UInt8(ascii: "0"))
                    denominator *= 10
                }
                position += 1
            }
            return position > start ? Double(numerator) / Double(denominator) : nil
        }

        /// `Z`, `±hh:mm`, `±hhmm`, `±hh`, or nothing (UTC), as seconds east of UTC.
        private mutating func offsetSeconds() -> Int64? {
            guard position < bytes.count else { return 0 }
            if skipAny(UInt8(ascii: "Z"), UInt8(ascii: "z")) { return 0 }
            let sign: Int64
            switch bytes[position] {
            case UInt8(ascii: "+"): sign = 1
            case UInt8(ascii: "-"): sign = -1
            default: return nil
            }
            position += 1
            guard let hours = digits(2), hours < 24 else { return nil }
            var minutes: Int64 = 0
            if position < bytes.count {
                _ = skip(UInt8(ascii: ":"))
                guard let value = digits(2), value < 60 else { return nil }
                minutes = value
            }
            return sign * (hours * 3600 + minutes * 60)
        }

        private mutating func skip(_ byte: UInt8) -> Bool {
            guard position < bytes.count, bytes[position] == byte else { return false }
            position += 1
            return true
        }

        private mutating func skipAny(_ first: UInt8, _ second: UInt8, _ third: UInt8? = nil) -> Bool {
            guard position < bytes.count else { return false }
            let byte = bytes[position]
            guard byte == first || byte == second || byte == third else { return false }
            position += 1
            return true
        }
    }
}
