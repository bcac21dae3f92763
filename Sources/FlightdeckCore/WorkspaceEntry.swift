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
        var trimmed = Substring(path)
        while trimmed.utf8.last == UInt8(ascii: "/") { trimmed.removeLast() }
        if trimmed.isEmpty { return path }
        guard let slash = trimmed.lastIndex(of: "/") else { return String(trimmed) }
        return String(trimmed[trimmed.index(after: slash)...])
    }

    /// How deep in the tree (0 for top-level entries).
    public var depth: Int {
        var slashes = 0
        var previous: UInt8 = UInt8(ascii: "/")
        for byte in path.utf8 {
            // A slash after a name starts a deeper level; leading, doubled or trailing ones do not.
            if byte == UInt8(ascii: "/"), previous != UInt8(ascii: "/") { slashes += 1 }
            previous = byte
        }
        return previous == UInt8(ascii: "/") ? max(0, slashes - 1) : slashes
    }
}
