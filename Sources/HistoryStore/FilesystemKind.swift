import Foundation

/// The kind of filesystem a path lives on, as far as SQLite's WAL mode cares.
///
/// WAL keeps its index in a shared-memory file (`-shm`) mapped by every process that opens
/// the database; that only works when all of them run on the same host and the kernel's page
/// cache is the only copy. Network filesystems break both assumptions.
public enum FilesystemKind: Sendable, Equatable {
    case local
    case network(name: String)

    /// Filesystem types (as `/proc/self/mountinfo` names them) shared over a network.
    static let networkTypes: Set<String> = [
        "nfs", "nfs4", "cifs", "smb3", "smbfs", "ncpfs", "ceph", "glusterfs", "fuse.glusterfs",
        "fuse.sshfs", "sshfs", "afs", "coda", "lustre", "gfs2", "ocfs2", "9p", "fuse.s3fs",
        "fuse.rclone", "fuse.juicefs", "beegfs", "gpfs",
    ]

    /// Classifies a filesystem type name.
    public static func classify(type: String) -> FilesystemKind {
        networkTypes.contains(type) ? .network(name: type) : .local
    }

    /// The filesystem holding `path` (or its nearest existing ancestor: the database file and
    /// even its directory may not exist yet), from the kernel's mount table.
    public static func of(path: String) -> FilesystemKind {
        guard let table = try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8) else { return .local }
        return of(path: resolvedAncestor(of: path), mountInfo: table)
    }

    /// Pure: the type of the longest mount point that contains `path`, per a mountinfo text.
    public static func of(path: String, mountInfo: String) -> FilesystemKind {
        var best: (point: String, type: String)?
        for line in mountInfo.split(separator: "\n") {
            // ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - TYPE SOURCE SUPEROPTIONS
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 7, let dash = fields.firstIndex(of: "-"), dash + 1 < fields.count else { continue }
            let point = unescape(String(fields[4]))
            guard contains(mountPoint: point, path: path) else { continue }
            if best == nil || point.count >= best!.point.count {
                best = (point, String(fields[dash + 1]))
            }
        }
        return best.map { classify(type: $0.type) } ?? .local
    }

    // MARK: - Paths

    private static func contains(mountPoint: String, path: String) -> Bool {
        if mountPoint == "/" { return path.hasPrefix("/") }
        return path == mountPoint || path.hasPrefix(mountPoint + "/")
    }

    /// mountinfo escapes space, tab, newline and backslash as octal (`\040`).
    private static func unescape(_ field: String) -> String {
        guard field.contains("\\") else { return field }
        var out = ""
        let characters = Array(field)
        var index = 0
        while index < characters.count {
            if characters[index] == "\\", index + 3 < characters.count,
               let code = UInt8(String(characters[(index + 1)...(index + 3)]), radix: 8) {
                out.append(Character(Unicode.Scalar(code)))
                index += 4
            } else {
                out.append(characters[index])
                index += 1
            }
        }
        return out
    }

    private static func resolvedAncestor(of path: String) -> String {
        var candidate = URL(fileURLWithPath: path).standardizedFileURL.path
        while !FileManager.default.fileExists(atPath: candidate), candidate != "/" {
            candidate = (candidate as NSString).deletingLastPathComponent
        }
        return URL(fileURLWithPath: candidate).resolvingSymlinksInPath().path
    }
}
