import Foundation

/// Writes files holding key material: created with the final mode before any byte lands,
/// then renamed into place, so a key is never readable by others even for an instant and a
/// crash never leaves half a file.
enum SecretFile {
    static func write(_ text: String, to url: URL, mode: mode_t = 0o600) throws {
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp")
        let fd = open(temporary.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else { throw SimServerError.cannotWrite(path: url.path, errno: errno) }
        defer { close(fd) }
        fchmod(fd, mode)
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
            guard written > 0 else { throw SimServerError.cannotWrite(path: url.path, errno: errno) }
            offset += written
        }
        guard fsync(fd) == 0, rename(temporary.path, url.path) == 0 else {
            throw SimServerError.cannotWrite(path: url.path, errno: errno)
        }
    }
}
