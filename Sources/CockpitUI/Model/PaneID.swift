/// The four panes, in Tab order.
public enum PaneID: Int, Sendable, Hashable, CaseIterable {
    case jobs, trace, timeline, files

    public var title: String {
        switch self {
        case .jobs: "Jobs"
        case .trace: "Trace"
        case .timeline: "Timeline"
        case .files: "Files"
        }
    }

    var next: PaneID { PaneID(rawValue: (rawValue + 1) % 4)! }
    var previous: PaneID { PaneID(rawValue: (rawValue + 3) % 4)! }
}
