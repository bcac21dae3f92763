import FlightdeckCore
import Foundation
import Synchronization

/// The thought trace pane: a bounded window of the selected job's records (never the whole
/// trace: it is paged in from the store with `loadTrace` as the cursor nears an edge), the
/// filtered rows over it, the cursor, follow mode, search and display toggles.
public struct TraceState: Sendable, Hashable {
    /// At most this many records are held for the selected job.
    public static let windowLimit = 2_000
    /// Records asked for per page.
    public static let pageSize = 200
    /// A page is asked for when the cursor is this close to an edge of the window.
    public static let prefetchMargin = 40
    /// Live records kept per other job, for the interleaved view and a quick first paint.
    public static let recentLimit = 300
    /// Observations with more lines than this are folded (`z` unfolds).
    public static let foldThreshold = 6
    /// Lines a folded observation keeps.
    public static let foldedLines = 3

    public internal(set) var jobID: String? { didSet { revision = Self.nextRevision() } }
    /// The window, ascending by seq.
    public internal(set) var records: [TraceRecord] = [] { didSet { revision = Self.nextRevision() } }
    /// Highest seq known for the job (from pages and live records).
    public internal(set) var total: Int64 = 0 { didSet { revision = Self.nextRevision() } }
    /// Recent live records of every job, bounded per job.
    public internal(set) var recent: [String: [TraceRecord]] = [:]

    /// Several marked jobs on one clock instead of the selected job alone.
    public internal(set) var interleaved = false { didSet { revision = Self.nextRevision() } }
    /// The interleaved merge of the marked jobs' records (empty when not interleaved).
    public internal(set) var merged: [TraceRecord] = [] { didSet { revision = Self.nextRevision() } }
    /// What `rows` index: `records`, or the interleaved merge. Computed, so `records` keeps
    /// a unique buffer and a live append does not copy the window.
    public var source: [TraceRecord] { interleaved ? merged : records }
    /// Indices into `source` that pass the filters.
    public internal(set) var rows: [Int] = [] { didSet { revision = Self.nextRevision() } }
    /// Index into `rows` of the selected record.
    public internal(set) var cursor = 0 { didSet { revision = Self.nextRevision() } }
    /// Index into `rows` of the first record drawn.
    public internal(set) var top = 0 { didSet { revision = Self.nextRevision() } }

    public internal(set) var following = true { didSet { revision = Self.nextRevision() } }
    /// Records that arrived while follow mode was paused: the "N new" badge.
    public internal(set) var newWhilePaused = 0 { didSet { revision = Self.nextRevision() } }
    public internal(set) var absoluteTime = true { didSet { revision = Self.nextRevision() } }
    public internal(set) var wrap = false { didSet { revision = Self.nextRevision() } }
    public internal(set) var kinds: Set<TraceKind> = Set(TraceKind.allCases) { didSet { revision = Self.nextRevision() } }
    public internal(set) var phase: Phase? { didSet { revision = Self.nextRevision() } }
    /// The active search (set with `/`, stepped with n/N), highlighted where it matches.
    public internal(set) var query: String? { didSet { revision = Self.nextRevision() } }
    public internal(set) var unfolded: Set<TraceKey> = [] { didSet { revision = Self.nextRevision() } }
    /// The page asked for and not yet answered (one at a time).
    public internal(set) var pendingPage: ClosedRange<Int64>? { didSet { revision = Self.nextRevision() } }
    public internal(set) var awaitingTail = false { didSet { revision = Self.nextRevision() } }
    /// `g` asked for the start of the trace: the cursor goes there when the page comes.
    var jumpToStart = false
    /// A search that went on in the store, past the window (one at a time).
    public internal(set) var pendingSearch: PendingSearch?
    /// A record the cursor goes to when the page holding it comes (a match found in the store).
    var jumpTo: Int64?

    /// A search past the window: which way, and whether it already wrapped around the ends.
    public struct PendingSearch: Sendable, Hashable {
        public var query: String
        public var forward: Bool
        public var wrapped: Bool
    }

    /// Changes with every change of what the pane draws from (the window, rows, cursor,
    /// toggles), and is unique across all trace states: `FrameCache` compares it instead of
    /// holding the window, which would make the next live append copy it.
    public private(set) var revision = Self.nextRevision()
    private static let revisions = Atomic<UInt64>(0)
    private static func nextRevision() -> UInt64 { revisions.add(1, ordering: .relaxed).newValue }

    public init() {}

    public var cursorRecord: TraceRecord? {
        guard rows.indices.contains(cursor) else { return nil }
        let source = source
        return source.indices.contains(rows[cursor]) ? source[rows[cursor]] : nil
    }

    public var filtersActive: Bool { kinds.count != TraceKind.allCases.count || phase != nil }

    func key(_ record: TraceRecord) -> TraceKey { TraceKey(jobID: record.jobID, seq: record.seq) }

    func passes(_ record: TraceRecord) -> Bool {
        kinds.contains(record.kind) && (phase == nil || record.phase == phase)
    }

    func matches(_ record: TraceRecord, _ query: String) -> Bool {
        let needle = query.lowercased()
        if record.text.lowercased().contains(needle) { return true }
        if let tool = record.tool, tool.lowercased().contains(needle) { return true }
        if let args = record.args, args.lowercased().contains(needle) { return true }
        return false
    }
}
