import FlightdeckCore
import Foundation

/// Which jobs to list from history. Empty fields do not filter.
public struct JobQuery: Sendable, Hashable {
    public var statuses: Set<JobStatus> = []
    public var namespace: String?
    public var context: String?
    /// With `context`: also the jobs no cluster context owns (those only an agent's own
    /// telemetry told of, and imported ones).
    public var orNoContext = false
    /// Exactly this Job name.
    public var name: String?
    /// Case-insensitive substring of the name, job id, task text or image.
    public var text: String?
    /// Only jobs created (or first seen) at or after this time.
    public var since: Date?
    /// Only these jobs (by job id).
    public var ids: Set<String>?
    /// Whether each job comes with its task's text and spec (kilobytes each). A list that
    /// never shows them (the cockpit's) leaves them out: a long history lists several times
    /// faster without.
    public var withTask = true
    public var limit: Int?

    public init(
        statuses: Set<JobStatus> = [], namespace: String? = nil, context: String? = nil, name: String? = nil,
        text: String? = nil, since: Date? = nil, ids: Set<String>? = nil, withTask: Bool = true, limit: Int? = nil
    ) {
        self.name = name
        self.statuses = statuses
        self.namespace = namespace
        self.context = context
        self.text = text
        self.since = since
        self.ids = ids
        self.withTask = withTask
        self.limit = limit
    }
}
