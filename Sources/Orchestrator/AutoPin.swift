import FlightdeckCore

/// Pins a Job for debugging when its trace shows trouble, as the reference design suggests:
/// a record whose text (or error) contains one of the configured keywords keeps the Job —
/// and so its workspace and pods' logs — past `ttlSecondsAfterFinished`. Each Job is pinned
/// at most once. Pure: it only decides.
public struct AutoPin: Sendable {
    /// Case-insensitive substrings.
    public var keywords: [String]
    private var pinned: Set<String> = []

    public static let defaultKeywords = ["Traceback (most recent call last)", "panic:", "Segmentation fault",
        "FATAL", "out of memory"]

    public init(keywords: [String] = AutoPin.defaultKeywords) {
        self.keywords = keywords.filter { !$0.isEmpty }.map { $0.lowercased() }
    }

    /// The keyword `record` matched, when its Job should be pinned now (first match only).
    public mutating func match(_ record: TraceRecord, jobName: String) -> String? {
        guard !pinned.contains(jobName), !keywords.isEmpty else { return nil }
        let haystack = record.text.lowercased()
        guard let keyword = keywords.first(where: { haystack.contains($0) }) else { return nil }
        pinned.insert(jobName)
        return keyword
    }
}
