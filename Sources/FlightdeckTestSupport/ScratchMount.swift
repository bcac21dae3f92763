import Foundation

/// A real mount for tests that need a filesystem to misbehave: a tiny tmpfs that fills up,
/// or a read-only bind mount. Needs root (CI runs as root); otherwise it fails with the
/// reason, and the test skips with it (`Test.cancel`).
public final class ScratchMount: @unchecked Sendable {
    public let path: String

    private init(path: String) { self.path = path }

    /// A tmpfs of `kilobytes` at a new directory.
    public static func tmpfs(kilobytes: Int) -> Result<ScratchMount, SkipReason> {
        let target = TemporaryDirectory.makePersistent("tmpfs")
        return mount(["-t", "tmpfs", "-o", "size=\(kilobytes)k", "tmpfs", target], at: target)
    }

    /// `source` mounted read-only at a new directory.
    public static func readOnlyBind(of source: String) -> Result<ScratchMount, SkipReason> {
        let target = TemporaryDirectory.makePersistent("ro")
        switch mount(["--bind", source, target], at: target) {
        case let .failure(reason): return .failure(reason)
        case let .success(mount):
            guard run(["-o", "remount,ro,bind", target]) else {
                return .failure(SkipReason("cannot remount \(target) read-only"))
            }
            return .success(mount)
        }
    }

    private static func mount(_ arguments: [String], at target: String) -> Result<ScratchMount, SkipReason> {
        guard getuid() == 0 else { return .failure(SkipReason("mounting needs root")) }
        guard run(arguments) else { return .failure(SkipReason("mount \(arguments.joined(separator: " ")) failed")) }
        return .success(ScratchMount(path: target))
    }

    private static func run(_ arguments: [String], tool: String = "/bin/mount") -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }

    deinit {
        _ = Self.run(["-l", path], tool: "/bin/umount")
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// Why a test could not run here; the test skips with it.
public struct SkipReason: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

extension TemporaryDirectory {
    /// A directory that outlives its creator (for mount points, removed by their owner).
    static func makePersistent(_ label: String) -> String {
        let path = NSTemporaryDirectory() + "flightdeck-\(label)-\(getpid())-\(UUID().uuidString.prefix(8))"
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}
