import Foundation

/// A file or directory in an agent's workspace (`/workspace` on its PVC).
public struct WorkspaceEntry: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable {
        case file
        case directory
        case symlink
        case other
    }

    /// Path relative to the workspace root, `/`-separated, sanitised.
    public var path: String
    public var kind: Kind
    public var size: Int64
    public var modified: Date?

    public init(path: String, kind: Kind, size: Int64, modified: Date? = nil) {
        self.path = path
        self.kind = kind
        self.size = size
        self.modified = modified
    }

    /// The last path component.
    public var name: String {
        path.split(separator: "/").last.map(String.init) ?? path
    }

    /// How deep in the tree (0 for top-level entries).
    public var depth: Int {
        path.split(separator: "/").count - 1
    }
}
