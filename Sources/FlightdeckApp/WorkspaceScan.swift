import FlightdeckCore
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Reads an agent's workspace from its volume's host directory: the tree (bounded) and a
/// size-limited, sanitised, redacted preview.
///
/// The agent writes that directory while we read it, and it is not trusted: every step is
/// taken relative to a directory already opened (`openat`) and never through a symbolic
/// link (`O_NOFOLLOW`, `AT_SYMLINK_NOFOLLOW`), so swapping a directory or file for a link
/// between a check and an open cannot lead the reader out of the workspace. Links are
/// listed as links; only regular files are previewed (a FIFO cannot block the reader).
public enum WorkspaceScan {
    /// The entries under `root`, depth first, at most `limit`, sorted by path.
    public static func entries(root: String, limit: Int) -> [WorkspaceEntry] {
        let rootFD = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard rootFD >= 0 else { return [] }
        var entries: [WorkspaceEntry] = []
        walk(directory: rootFD, prefix: "", limit: limit, into: &entries)
        return entries.sorted { $0.path < $1.path }
    }

    /// Lists `directory` (an open descriptor it closes) into `entries`, recursing into
    /// subdirectories opened relative to it.
    private static func walk(directory: Int32, prefix: String, limit: Int, into entries: inout [WorkspaceEntry]) {
        guard let stream = fdopendir(directory) else {
            close(directory)
            return
        }
        defer { closedir(stream) }
        var subdirectories: [String] = []
        while entries.count < limit, let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name == "." || name == ".." { continue }
            var info = stat()
            guard fstatat(directory, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else { continue }
            let type = info.st_mode & S_IFMT
            let kind: WorkspaceEntry.Kind = type == S_IFLNK ? .symlink : type == S_IFDIR ? .directory : .file
            let path = prefix + name
            entries.append(WorkspaceEntry(path: TerminalSanitizer.sanitize(path), kind: kind,
                size: kind == .file ? Int64(info.st_size) : 0,
                modified: Date(timeIntervalSince1970: Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9)))
            if kind == .directory { subdirectories.append(name) }
        }
        for name in subdirectories where entries.count < limit {
            let child = openat(dirfd(stream), name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            guard child >= 0 else { continue }  // swapped for a link (or removed) since it was listed
            walk(directory: child, prefix: prefix + name + "/", limit: limit, into: &entries)
        }
    }

    /// The first `limit` bytes of the regular file at `relativePath` inside `root`, redacted
    /// and sanitised; binary files, links and anything outside the workspace say so.
    public static func preview(root: String, relativePath: String, limit: Int) -> (String, Bool) {
        let components = relativePath.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        guard !components.isEmpty, !components.contains(".."), !components.contains(".") else {
            return ("(outside the workspace)", false)
        }
        var directory = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard directory >= 0 else { return ("(cannot read)", false) }
        for name in components.dropLast() {
            let next = openat(directory, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            close(directory)
            guard next >= 0 else { return (errno == ELOOP || errno == ENOTDIR ? "(a symbolic link: not followed)" : "(cannot read)", false) }
            directory = next
        }
        let file = openat(directory, components.last!, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        let openError = errno
        close(directory)
        guard file >= 0 else {
            return (openError == ELOOP ? "(a symbolic link: not followed)" : "(cannot read)", false)
        }
        let handle = FileHandle(fileDescriptor: file, closeOnDealloc: true)
        var info = stat()
        guard fstat(file, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return ("(not a regular file)", false) }
        let data = (try? handle.read(upToCount: limit + 1)) ?? Data()
        let truncated = data.count > limit
        let bytes = data.prefix(limit)
        if bytes.contains(0) { return ("(binary file)", truncated) }
        return (TerminalSanitizer.sanitize(SecretRedactor().redact(String(decoding: bytes, as: UTF8.self))), truncated)
    }
}
