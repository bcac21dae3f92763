/// What a log follower has delivered, so that after a reconnect it resumes where it was.
///
/// The API's `sinceTime` has whole-second precision, so a resumed stream repeats the lines
/// of the newest delivered second. Those lines are kept as 64-bit fingerprints
/// (stamp and text): a replayed line whose fingerprint is still counted is skipped, and
/// everything else is new — what was written after, or a restarted container's log, even
/// when two runs of the container share that second. Exact for identical lines in one
/// instant, and cheap per line (a busy agent writes hundreds of thousands a second).
///
/// Pure: fed lines, answers "deliver or skip".
public struct LogResume: Sendable {
    /// The newest instant delivered.
    public private(set) var last: LogInstant?
    /// Fingerprints of the lines delivered in `last`'s whole second, in order (counted only
    /// when a stream starts: most streams never resume, and a busy one delivers hundreds of
    /// thousands of lines a second).
    private var recent: [UInt64] = []
    /// What the current (resumed) stream may still replay of that second, with counts.
    private var replayable: [UInt64: Int] = [:]

    public init() {}

    /// Where a resumed request starts: the whole second of the newest line delivered.
    public var sinceSeconds: Int64? { last?.seconds }

    /// A new stream (after a reconnect or a restart) begins: it may replay the newest second.
    public mutating func streamStarted() {
        replayable = [:]
        for fingerprint in recent { replayable[fingerprint, default: 0] += 1 }
    }

    /// Whether `line` is new; if so it is recorded as delivered.
    public mutating func accept(_ line: LogLine) -> Bool {
        if let last, line.instant.seconds < last.seconds { return false }
        let fingerprint = Self.fingerprint(line)
        if let last, line.instant.seconds == last.seconds {
            if !replayable.isEmpty, let count = replayable[fingerprint], count > 0 {
                replayable[fingerprint] = count - 1
                return false
            }
            recent.append(fingerprint)
        } else {
            recent.removeAll(keepingCapacity: true)
            if !replayable.isEmpty { replayable.removeAll() }
            recent.append(fingerprint)
        }
        if last == nil || line.instant > last! { last = line.instant }
        return true
    }

    /// A 64-bit hash of the stamp and the text, eight bytes at a time.
    static func fingerprint(_ line: LogLine) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325 ^ UInt64(line.text.count)
        func mix(_ word: UInt64) {
            hash = (hash ^ word) &* 0x9E37_79B9_7F4A_7C15
            hash ^= hash >> 29
        }
        mix(UInt64(bitPattern: line.instant.seconds))
        mix(UInt64(line.instant.nanoseconds))
        line.text.withUnsafeBytes { bytes in
            var offset = 0
            while offset + 8 <= bytes.count {
                mix(bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
                offset += 8
            }
            var tail: UInt64 = 0
            var shift: UInt64 = 0
            while offset < bytes.count {
                tail |= UInt64(bytes[offset]) << shift
                shift += 8
                offset += 1
            }
            mix(tail)
        }
        return hash
    }
}
