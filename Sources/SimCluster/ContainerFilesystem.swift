/// How a container's paths map to the real filesystem: its volume mounts (longest mount path
/// wins, `subPath` honoured), and a private root directory for everything else — so an agent
/// told `WORKSPACE_PATH=/workspace` writes into the PVC's real directory, and a stray write to
/// `/tmp` lands in the container's own scratch space, never on the host's `/tmp`.
public struct ContainerFilesystem: Sendable, Hashable {
    public struct Mount: Sendable, Hashable {
        public var containerPath: String
        public var hostPath: String
        public var readOnly: Bool

        public init(containerPath: String, hostPath: String, readOnly: Bool = false) {
            self.containerPath = ContainerFilesystem.normalized(containerPath)
            self.hostPath = hostPath
            self.readOnly = readOnly
        }
    }

    public var mounts: [Mount]
    /// The container's own root (`/` inside).
    public var rootDirectory: String

    public init(mounts: [Mount], rootDirectory: String) {
        self.mounts = mounts.sorted { $0.containerPath.count > $1.containerPath.count }
        self.rootDirectory = rootDirectory
    }

    /// The real path behind `path` as the container sees it (relative paths are taken from `/`).
    public func hostPath(_ path: String) -> String {
        let path = Self.normalized(path)
        for mount in mounts {
            if path == mount.containerPath { return mount.hostPath }
            let prefix = mount.containerPath == "/" ? "/" : mount.containerPath + "/"
            if path.hasPrefix(prefix) { return Self.joined(mount.hostPath, String(path.dropFirst(prefix.count))) }
        }
        return Self.joined(rootDirectory, String(path.dropFirst()))
    }

    /// `/a/./b//c/../d` → `/a/b/d`; never climbs above `/`.
    static func normalized(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/") {
            switch part {
            case ".": continue
            case "..": if !parts.isEmpty { parts.removeLast() }
            default: parts.append(part)
            }
        }
        return "/" + parts.joined(separator: "/")
    }

    static func joined(_ base: String, _ relative: String) -> String {
        if relative.isEmpty { return base }
        return base.hasSuffix("/") ? base + relative : base + "/" + relative
    }
}
