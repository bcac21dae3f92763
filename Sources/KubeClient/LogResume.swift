/// What a log follower has delivered, so that after a reconnect it resumes where it was.
///
/// The API's `sinceTime` has whole-second precision, so a resumed stream repeats the lines
/// of the newest delivered second. A container's log is append-only and replayed in the
/// same order, so the lines of that second are kept as a sequence of 64-bit fingerprints
/// (stamp and text): the replay is skipped while it matches them one for one, and the first
/// line that differs — what was written after, or a restarted container's new log — is
/// new. Exact for identical lines in one instant, and cheap per line (a busy agent writes
/// hundreds of thousands a second).
///
/// Pure: fed lines, answers "deliver or skip".
public struct LogResume: Sendable {
    /// The newest instant delivered.
    public private(set) var last: LogInstant?
    /// Fingerprints of the lines delivered in `last`'s whole second, in order.
    private var recent: [UInt64] = []
    /// Position in `recent` of the replay in progress; `nil` when not replaying.
    private var replayIndex: Int?

    public init() {}

    /// Where a resumed request starts: the whole second of the newest line delivered.
    public var sinceSeconds: Int64? { last?.seconds }

    /// A new stream (after a reconnect or a restart) begins: it may replay the newest second.
    public mutating func streamStarted() {
        replayIndex = recent.isEmpty ? nil : 0
    }

    /// Whether `line` is new; if so it is recorded as delivered.
    public mutating func accept(_ line: LogLine) -> Bool {
        if let last, line.instant.seconds < last.seconds { return false }
        let fingerprint = Self.fingerprint(line)
        if let index = replayIndex {
            if let last, line.instant.seconds == last.seconds, index < recent.count, recent[index] == fingerprint {
                replayIndex = index + 1
                return false
            }
            replayIndex = nil
        }
        if let last, line.instant.seconds == last.seconds {
            recent.append(fingerprint)
        } else {
            recent.removeAll(keepingCapacity: true)
            recent.append(fingerprint)
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
