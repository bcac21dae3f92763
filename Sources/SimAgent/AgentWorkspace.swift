import FlightdeckCore
import Foundation

/// The agent's workspace directory on the real filesystem: applies the script's edits and
/// touches the heartbeat. Paths from the script are relative and never contain `..`.
public struct AgentWorkspace: Sendable {
    public let root: String

    public init(root: String) { self.root = root }

    public func url(_ relative: String) -> URL { URL(fileURLWithPath: root).appendingPathComponent(relative) }

    /// Whether the repository is already there (a previous attempt or a restore created it).
    public var isSeeded: Bool { FileManager.default.fileExists(atPath: url("README.md").path) }

    /// Applies `edits` and returns the changed files as `files` event entries.
    @discardableResult
    public func apply(_ edits: [WorkspaceEdit]) throws -> [WorkspaceEntry] {
        let manager = FileManager.default
        try manager.createDirectory(atPath: root, withIntermediateDirectories: true)
        var changed: [String] = []
        for edit in edits {
            let target = url(edit.path)
            try manager.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            switch edit {
            case .write(_, let content):
                try Data(content.utf8).write(to: target)
            case .append(_, let text):
                if !manager.fileExists(atPath: target.path) { _ = manager.createFile(atPath: target.path, contents: nil) }
                let handle = try FileHandle(forWritingTo: target)
                defer { try? handle.close() }
                try handle.seekToEnd()
                try handle.write(contentsOf: Data(text.utf8))
            }
            if !changed.contains(edit.path) { changed.append(edit.path) }
        }
        return changed.map(entry)
    }

    /// The `files` entry of one path as it is now on disk.
    public func entry(_ relative: String) -> WorkspaceEntry {
        let attributes = try? FileManager.default.attributesOfItem(atPath: url(relative).path)
        let size = (attributes?[.size] as? NSNumber)?.int64Value ?? 0
        return WorkspaceEntry(path: relative, kind: .file, size: size, modified: attributes?[.modificationDate] as? Date)
    }

    /// Writes the time into the heartbeat file (creating its directory), which moves its
    /// mtime: what a `find -mmin`/`stat` liveness probe looks at.
    public static func touchHeartbeat(_ path: String, now: Date) {
        let url = URL(fileURLWithPath: path)
        try? FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try? Data((RFC3339.string(from: now) + "\n").utf8).write(to: url)
    }
}
