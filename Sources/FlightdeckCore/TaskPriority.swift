/// How urgently a queued task should start: `high` before `normal` before `low`; within one
/// level, first come first served (see `AdmissionPlan`).
///
/// Ordered by urgency (`low < normal < high`), so "the most urgent first" is a descending sort.
public enum TaskPriority: String, Sendable, Hashable, Codable, CaseIterable, Comparable, CustomStringConvertible {
    case low
    case normal
    case high

    /// `high|normal|low`, for messages and help.
    public static let choices = "high|normal|low"

    /// One level more urgent (`high` stays `high`): what waiting longer than a queue's
    /// `promoteAfter` earns a task.
    public var raised: TaskPriority {
        switch self {
        case .low: .normal
        case .normal, .high: .high
        }
    }

    public var description: String { rawValue }

    private var rank: Int {
        switch self {
        case .low: 0
        case .normal: 1
        case .high: 2
        }
    }

    public static func < (lhs: TaskPriority, rhs: TaskPriority) -> Bool { lhs.rank < rhs.rank }
}
