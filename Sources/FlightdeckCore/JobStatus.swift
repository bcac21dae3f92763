/// Where an agent Job stands, as the cockpit shows it.
///
/// `deleted` is Flightdeck's own state: the cluster no longer has the Job (TTL, or an
/// operator deleted it) but its history is still in the store and stays readable.
public enum JobStatus: String, Sendable, Hashable, Codable, CaseIterable {
    /// Waiting in its task queue for an admitter (Flightdeck's or Kueue) to start it.
    case queued
    case pending
    case suspended
    case running
    case succeeded
    case failed
    case deleted

    /// A finished Job will not change state again on its own.
    public var isFinished: Bool {
        switch self {
        case .succeeded, .failed, .deleted: true
        case .queued, .pending, .suspended, .running: false
        }
    }
}
