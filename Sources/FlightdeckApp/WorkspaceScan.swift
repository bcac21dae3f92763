import FlightdeckCore
import Foundation

/// Reads an agent's workspace from its volume's host directory: the tree (bounded) and a
/// size-limited, sanitised preview. Never follows a symlink out of the workspace.
public enum WorkspaceScan {
    public static func entries(root: String, limit: Int) -> [WorkspaceEntry] {
        var entries: [WorkspaceEntry] = []
        let base = URL(fileURLWithPath: root).standardizedFileURL
        guard let walker = FileManager.default.enumerator(at: base,
            includingPropertiesForKeys: [.isDirectoryKey, .isSymbolicLinkKey, .fileSizeKey, .contentModificationDateKey],
            options: [.producesRelativePathURLs])
        else { return [] }
        for case let url as URL in walker {
            guard entries.count < limit else { break }
            let values = try? url.resourceValues(forKeys: [.isDirectoryKey, .isSymbolicLinkKey, .fileSizeKey, .contentModificationDateKey])
            let kind: WorkspaceEntry.Kind = values?.isSymbolicLink == true ? .symlink : values?.isDirectory == true ? .directory : .file
            let path = TerminalSanitizer.sanitize(url.relativePath)
            entries.append(WorkspaceEntry(path: path, kind: kind, size: Int64(values?.fileSize ?? 0),
                modified: values?.contentModificationDate))
        }
        return entries.sorted { $0.path < $1.path }
    }

    /// The first `limit` bytes of a regular file inside `root`, sanitised; binary files say so.
    public static func preview(root: String, relativePath: String, limit: Int) -> (String, Bool) {
        let base = URL(fileURLWithPath: root).standardizedFileURL.resolvingSymlinksInPath().path
        let target = URL(fileURLWithPath: base + "/" + relativePath).standardizedFileURL.resolvingSymlinksInPath().path
        guard target.hasPrefix(base + "/") else { return ("(outside the workspace)", false) }
        guard let handle = FileHandle(forReadingAtPath: target) else { return ("(cannot read)", false) }
        defer { try? handle.close() }
        let data = (try? handle.read(upToCount: limit + 1)) ?? Data()
        let truncated = data.count > limit
        let bytes = data.prefix(limit)
        if bytes.contains(0) { return ("(binary file)", truncated) }
        return (TerminalSanitizer.sanitize(SecretRedactor().redact(String(decoding: bytes, as: UTF8.self))), truncated)
    }
}
