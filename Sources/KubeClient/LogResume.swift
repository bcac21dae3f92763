/// What a log follower has delivered, so that after a reconnect it resumes where it was.
///
/// The API's `sinceTime` has whole-second precision, so a resumed stream repeats the lines
/// of the newest delivered second. Those lines are kept as counts of 64-bit fingerprints
/// (stamp and text): a replayed line whose fingerprint is still counted is skipped, and
/// everything else is new — what was written after, or a restarted container's log, even
/// when two runs of the container share that second. Exact for identical lines in one
/// instant, and cheap per line (a busy agent writes hundreds of thousands a second).
///
/// Pure: fed lines, answers "deliver or skip".
public struct LogResume: Sendable {
    /// The newest instant delivered.
    public private(set) var last: LogInstant?
    /// Fingerprints of the lines delivered in `last`'s whole second, with their counts.
    private var recent: [UInt64: Int] = [:]
    /// What the current (resumed) stream may still replay of that second.
    private var replayable: [UInt64: Int] = [:]

    public init() {}

    /// Where a resumed request starts: the whole second of the newest line delivered.
    public var sinceSeconds: Int64? { last?.seconds }

    /// A new stream (after a reconnect or a restart) begins: it may replay the newest second.
    public mutating func streamStarted() {
        replayable = recent
    }

    /// Whether `line` is new; if so it is recorded as delivered.
    public mutating func accept(_ line: LogLine) -> Bool {
        if let last, line.instant.seconds < last.seconds { return false }
        let fingerprint = Self.fingerprint(line)
        if let last, line.instant.seconds == last.seconds, let count = replayable[fingerprint], count > 0 {
            replayable[fingerprint] = count - 1
            return false
        }
        if let last, line.instant.seconds == last.seconds {
            recent[fingerprint, default: 0] += 1
        } else {
            recent.removeAll(keepingCapacity: true)
            replayable.removeAll()
            recent[fingerprint] = 1
        }
        if last == nil || line.instant > last! { last = line.instant }
        return true
    }

    /// FNV-1a over the stamp and the text.
    static func fingerprint(_ line: LogLine) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        hash = (hash ^ UInt64(bitPattern: line.instant.seconds)) &* 0x100_0000_01B3
        hash = (hash ^ UInt64(line.instant.nanoseconds)) &* 0x100_0000_01B3
        line.text.withUnsafeBufferPointer { bytes in
            for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3 }
        }
        return hash
    }
}
