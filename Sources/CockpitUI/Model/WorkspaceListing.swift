import FlightdeckCore
import Foundation

/// A job's workspace tree, and where it was read from.
public struct WorkspaceListing: Sendable, Hashable {
    public enum Source: Sendable, Hashable {
        /// Read from the local-path volume's host directory: current.
        case volume
        /// Rebuilt from the agent's `files` events, as of the last one: may be stale.
        case events(asOf: Date)
        /// Neither: the volume is not on this node and no `files` event arrived yet.
        case nothingSeen
    }

    /// The agent's checkpoint database, if there is one.
    public struct Checkpoint: Sendable, Hashable {
        public var size: Int64
        public var modified: Date?
        public init(size: Int64, modified: Date?) {
            self.size = size
            self.modified = modified
        }
    }

    public var entries: [WorkspaceEntry]
    public var source: Source
    public var checkpoint: Checkpoint?

    public init(entries: [WorkspaceEntry], source: Source, checkpoint: Checkpoint? = nil) {
        self.entries = entries
        self.source = source
        self.checkpoint = checkpoint
    }
}
