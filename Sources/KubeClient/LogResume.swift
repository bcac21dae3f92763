/// What a log follower has delivered, so that after a reconnect it resumes where it was:
/// the API's `sinceTime` has whole-second precision, so the resumed stream repeats the
/// lines of the last second; those already delivered are skipped, by stamp and content,
/// counting repeats (an agent may print the same line twice in one instant).
///
/// Pure: fed lines, answers "deliver or skip".
public struct LogResume: Sendable {
    /// The newest instant delivered.
    public private(set) var last: LogInstant?
    /// Lines delivered within the newest whole second, with how many times each.
    private var recent: [LineKey: Int] = [:]
    /// Lines of the replayed window seen so far in the current stream.
    private var replayed: [LineKey: Int] = [:]
    /// While a resumed stream is still inside the window already delivered: its end.
    private var replayUntil: LogInstant?

    private struct LineKey: Hashable {
        var instant: LogInstant
        var text: [UInt8]
    }

    public init() {}

    /// Where a resumed request starts: the whole second of the newest line delivered.
    public var sinceSeconds: Int64? { last?.seconds }

    /// A new stream (after a reconnect or a restart) begins: it replays from the start of
    /// the newest delivered second.
    public mutating func streamStarted() {
        replayed = [:]
        replayUntil = last
    }

    /// Whether `line` is new; if so it is recorded as delivered.
    public mutating func accept(_ line: LogLine) -> Bool {
        let key = LineKey(instant: line.instant, text: line.text)
        if let last, line.instant.seconds < last.seconds { return false }
        if let limit = replayUntil {
            if line.instant <= limit {
                // Inside the replayed window: skip as many copies as were delivered.
                let seen = replayed[key, default: 0]
                replayed[key] = seen + 1
                if seen < recent[key, default: 0] { return false }
            } else {
                replayUntil = nil
            }
        }
        if let last, line.instant.seconds > last.seconds { recent = [:] }
        if last == nil || line.instant > last! { last = line.instant }
        recent[key, default: 0] += 1
        return true
    }
}
