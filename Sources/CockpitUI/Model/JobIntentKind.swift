/// The kinds of action the cluster credentials allow (from a `SelfSubjectAccessReview`),
/// so the cockpit can refuse up front and hide hints for what would fail.
public enum JobIntentKind: String, Sendable, Hashable, CaseIterable {
    case delete, pin, cancel, retry, steer, submit
}
