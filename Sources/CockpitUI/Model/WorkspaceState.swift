import FlightdeckCore
import Foundation

/// The selected job's workspace: its tree as last listed, the file cursor and the preview.
public struct WorkspaceState: Sendable, Hashable {
    /// A preview is cut to this many characters, whatever the runtime sent.
    public static let previewLimit = 16_384
    /// A tree rebuilt from events older than this is marked stale.
    public static let staleAfter: TimeInterval = 120

    public struct Preview: Sendable, Hashable {
        public var path: String
        /// Lines of the file, cell-safe.
        public var lines: [String]
        public var truncated: Bool
    }

    public internal(set) var jobID: String?
    public internal(set) var listing: WorkspaceListing?
    /// Entries in tree order (a directory before its contents).
    public internal(set) var entries: [WorkspaceEntry] = []
    public internal(set) var cursor = 0
    public internal(set) var top = 0
    public internal(set) var preview: Preview?

    public init() {}

    public var selectedEntry: WorkspaceEntry? { entries.indices.contains(cursor) ? entries[cursor] : nil }

    mutating func setListing(_ listing: WorkspaceListing) {
        let previous = selectedEntry?.path
        self.listing = listing
        entries = listing.entries.sorted { a, b in
            // Component-wise, so `a/b` sorts right after `a`, before `a-c`.
            let (pa, pb) = (a.path.split(separator: "/"), b.path.split(separator: "/"))
            for (x, y) in zip(pa, pb) where x != y { return x < y }
            return pa.count < pb.count
        }
        cursor = previous.flatMap { path in entries.firstIndex { $0.path == path } } ?? min(cursor, max(0, entries.count - 1))
    }
}
