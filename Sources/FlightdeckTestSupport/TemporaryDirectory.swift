import Foundation

/// A fresh directory under the system temp dir, removed when the value is released.
public final class TemporaryDirectory: @unchecked Sendable {
    public let path: String

    public init(_ label: String = "flightdeck-test") {
        let base = NSTemporaryDirectory() + "\(label)-\(getpid())-\(UUID().uuidString.prefix(8))"
        try! FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        path = base
    }

    /// A path inside the directory (not created).
    public func file(_ name: String) -> String { path + "/" + name }

    deinit {
        // Directories made read-only by a test must be writable again to be removed.
        chmod(path, 0o755)
        try? FileManager.default.removeItem(atPath: path)
    }
}
