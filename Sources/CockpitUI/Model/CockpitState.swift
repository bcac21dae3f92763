import FlightdeckCore
import Foundation

/// The whole cockpit as a value. Only `Cockpit.update` changes it; `Cockpit.render` draws it.
public struct CockpitState: Sendable {
    /// A short message in the status bar, gone at `until`; an error stays until a key after it.
    public struct Flash: Sendable, Hashable {
        public var text: String
        public var isError: Bool
        public var until: Date
    }

    /// How long a flash message stays (an error: at least this long).
    public static let flashSeconds: TimeInterval = 5
    /// How often a running job's timeline is asked for again.
    public static let timelineRefreshSeconds: TimeInterval = 10
    /// How often the selected job's workspace is listed again while it runs (the agent is
    /// writing it), and once more when it stops.
    public static let workspaceRefreshSeconds: TimeInterval = 5
    /// While a moving job's workspace has not been seen yet (its volume is being provisioned),
    /// it is looked for this often: the files show as soon as the volume does.
    public static let workspaceFirstLookSeconds: TimeInterval = 1
    /// How long live records' token use is gathered before it is read (one read for them all).
    public static let usageCoalesceSeconds: TimeInterval = 1
    /// How long a usage read may be unanswered before another is asked for (the store failed
    /// it; the status bar said so).
    public static let usageAnswerSeconds: TimeInterval = 10

    public internal(set) var width: Int
    public internal(set) var height: Int
    /// The last tick: every age, countdown and "stale" mark is computed from it, so render
    /// stays a pure function of the state.
    public internal(set) var now: Date
    public var timeZone: TimeZone {
        didSet { fixedZoneOffset = Self.fixedOffset(of: timeZone) }
    }
    /// The zone's offset when it has kept one since 1970 (UTC, zones without daylight
    /// saving): worked out when the zone is set, so clock columns need no look-up per record.
    private(set) var fixedZoneOffset: Int?
    public internal(set) var theme: Theme
    public var glyphs: GlyphSet

    public internal(set) var focus: PaneID = .jobs
    /// Which of timeline/files shows under the trace when there is room for only one.
    public internal(set) var secondary: PaneID = .timeline
    public internal(set) var overlay: Overlay = .none

    public internal(set) var jobs = JobListState()
    public internal(set) var trace = TraceState()
    public internal(set) var timeline = TimelineState()
    public internal(set) var workspace = WorkspaceState()
    /// The jobs' tokens and cost, with their budgets.
    public internal(set) var usage = UsageState()

    public internal(set) var connection = ConnectionStatus()
    public internal(set) var allowed: Set<JobIntentKind> = Set(JobIntentKind.allCases)
    public internal(set) var readOnly = false
    /// The config's task queues and their admitter, once the runtime said (`queuesLoaded`).
    public internal(set) var queues: QueueInfo?
    public internal(set) var context: String?
    public internal(set) var cluster: String?
    public internal(set) var flash: Flash?
    /// Jobs this cockpit told to pause (so `p` next sends resume).
    public internal(set) var paused: Set<String> = []
    var lastTimelineRefresh: Date?
    /// When the selected job's workspace was last asked for, and whether the job was running then.
    var lastWorkspaceRefresh: Date?
    var workspaceJobWasMoving = false

    public init(
        width: Int = 80, height: Int = 24, now: Date = Date(), theme: Theme = .default, glyphs: GlyphSet = .unicode,
        timeZone: TimeZone = .current
    ) {
        self.width = width
        self.height = height
        self.now = now
        self.theme = theme
        self.glyphs = glyphs
        self.timeZone = timeZone
        fixedZoneOffset = Self.fixedOffset(of: timeZone)
    }

    public var selectedJob: AgentJob? { jobs.selected }

    /// The same state, drawn with `theme`: the runtime parses the start-up theme while
    /// history is read for the first frame.
    public func styled(_ theme: Theme) -> CockpitState {
        var state = self
        state.theme = theme
        return state
    }

    /// The frame's layout at the current size.
    public var layout: Layout { Layout(width: width, height: height, focus: focus, secondary: secondary) }

    static func fixedOffset(of zone: TimeZone) -> Int? {
        zone.nextDaylightSavingTimeTransition(after: Date(timeIntervalSince1970: 0)) == nil ? zone.secondsFromGMT() : nil
    }
}
