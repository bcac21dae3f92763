/// The kinds of action the cluster credentials allow (from a `SelfSubjectAccessReview`),
/// so the cockpit can refuse up front and hide hints for what would fail.
///
/// `prioritize`, `move` and `startNow` change a queued Job (a merge patch on batch/jobs):
/// the runtime allows them when the credentials may patch Jobs.
public enum JobIntentKind: String, Sendable, Hashable, CaseIterable {
    case delete, pin, cancel, retry, steer, submit
    case prioritize, move, startNow

    /// The kinds that change a queued Job's place in line.
    public static let queueChanges: Set<JobIntentKind> = [.prioritize, .move, .startNow]

    /// How refusals name it: "the cockpit cannot start jobs now".
    public var verb: String {
        switch self {
        case .prioritize: "change priorities"
        case .move: "move jobs to another queue"
        case .startNow: "start jobs now"
        default: rawValue
        }
    }
}
