/// One line of a container's log as the kubelet stamps it (`timestamps=true`).
public struct LogLine: Sendable, Hashable {
    /// The kubelet's RFC 3339 stamp as sent (`2026-11-29T07:20:54.299123456Z`).
    public var timestamp: String { stamp.text }
    /// The stamp's bytes, held in the line itself (no allocation per line).
    private var stamp: Stamp
    /// The stamp as a sortable instant (Unix seconds, nanoseconds).
    public var instant: LogInstant
    /// The line without its stamp and newline (bytes as the container wrote them: hostile).
    public var text: [UInt8]
    /// Which run of the container wrote it: its `restartCount` as the pod reported it when
    /// the stream opened (best effort: a restart racing that read labels a run late).
    public var restartCount: Int

    /// Splits `2026-11-29T07:20:54.299Z text` into stamp and text; `nil` when the line has
    /// no stamp the kubelet would write.
    public static func parse(_ line: [UInt8], restartCount: Int = 0) -> LogLine? {
        parse(line[...], restartCount: restartCount)
    }

    /// The same from a slice of a network chunk (the text is the one copy made).
    public static func parse(_ line: ArraySlice<UInt8>, restartCount: Int = 0) -> LogLine? {
        guard let space = line.firstIndex(of: 0x20), let instant = LogInstant(line[..<space]) else { return nil }
        return LogLine(stamp: Stamp(line[..<space]), instant: instant, text: Array(line[(space + 1)...]),
            restartCount: restartCount)
    }

    /// Up to 40 bytes inline (`LogInstant` refuses longer stamps).
    struct Stamp: Sendable, Hashable {
        private var words: (UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0)
        private var count: UInt8 = 0

        init(_ bytes: ArraySlice<UInt8>) {
            count = UInt8(min(bytes.count, 40))
            withUnsafeMutableBytes(of: &words) { raw in
                for (offset, byte) in bytes.prefix(40).enumerated() { raw[offset] = byte }
            }
        }

        var text: String {
            withUnsafeBytes(of: words) { raw in String(decoding: raw.prefix(Int(count)), as: UTF8.self) }
        }

        static func == (a: Stamp, b: Stamp) -> Bool {
            a.count == b.count && a.words.0 == b.words.0 && a.words.1 == b.words.1 && a.words.2 == b.words.2
                && a.words.3 == b.words.3 && a.words.4 == b.words.4
        }

        func hash(into hasher: inout Hasher) {
            hasher.combine(count)
            hasher.combine(words.0)
            hasher.combine(words.1)
            hasher.combine(words.2)
            hasher.combine(words.3)
            hasher.combine(words.4)
        }
    }
}

/// A log line's time with the nanosecond precision the kubelet writes (a `Date` cannot hold
/// it, and lines a microsecond apart must still order and de-duplicate exactly).
public struct LogInstant: Sendable, Hashable, Comparable {
    public var seconds: Int64
    public var nanoseconds: Int32

    public init(seconds: Int64, nanoseconds: Int32) {
        self.seconds = seconds
        self.nanoseconds = nanoseconds
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS[.fraction]Z` (UTC, as the kubelet writes).
    public init?(_ text: some Collection<UInt8>) {
        // Stamps are short: anything longer is not one, and is refused before any copy.
        guard text.count <= 40 else { return nil }
        guard let parsed = text.withContiguousStorageIfAvailable({ Self.parse($0) }) ?? Self.parse(ContiguousArray(text)) else {
            return nil
        }
        self = parsed
    }

    private static func parse<Bytes: RandomAccessCollection<UInt8>>(_ bytes: Bytes) -> LogInstant? where Bytes.Index == Int {
        guard bytes.count >= 20, bytes.last == UInt8(ascii: "Z"), bytes[4] == 0x2D, bytes[7] == 0x2D,
            bytes[10] == UInt8(ascii: "T"), bytes[13] == 0x3A, bytes[16] == 0x3A
        else { return nil }
        func number(_ range: Range<Int>) -> Int64? {
            var value: Int64 = 0
            for index in range {
                let byte = bytes[index]
                guard byte >= 0x30, byte <= 0x39 else { return nil }
                value = value * 10 + Int64(byte - 0x30)
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
            let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
            (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        var nanos: Int64 = 0
        if bytes[19] == UInt8(ascii: ".") {
            let digits = bytes[20..<(bytes.count - 1)]
            guard !digits.isEmpty, digits.count <= 9, let fraction = number(20..<(bytes.count - 1)) else { return nil }
            nanos = fraction
            for _ in digits.count..<9 { nanos *= 10 }
        } else if bytes.count != 20 {
            return nil
        }
        // Days from the civil date (Howard Hinnant's algorithm), then seconds.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let monthIndex = (month + 9) % 12
        let dayOfYear = (153 * monthIndex + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146_097 + dayOfEra - 719_468
        return LogInstant(seconds: days * 86400 + hour * 3600 + minute * 60 + second, nanoseconds: Int32(nanos))
    }

    public static func < (a: LogInstant, b: LogInstant) -> Bool {
        (a.seconds, a.nanoseconds) < (b.seconds, b.nanoseconds)
    }
}
