import Foundation

/// Files that hold keys: read only when nobody but their owner can read or write them, and
/// written whole or not at all (a temporary file of mode 0600, synced, then renamed).
public enum SecretFile {
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    /// The file's text; throws one line naming the file when it is missing, not a regular
    /// file, open to group or others, or unreadable.
    public static func read(_ path: String, what: String) throws(Failure) -> String {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw Failure("\(what) \(path): \(String(cString: strerror(errno)))")
        }
        guard info.st_mode & S_IFMT == S_IFREG else { throw Failure("\(what) \(path) is not a regular file") }
        let mode = info.st_mode & 0o777
        guard mode & 0o077 == 0 else {
            throw Failure("\(what) \(path) is open to others (mode \(String(mode, radix: 8))): run chmod 600 \(path)")
        }
        guard info.st_size <= 1 << 20 else { throw Failure("\(what) \(path) is larger than 1 MiB") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Failure("\(what) \(path) cannot be read")
        }
        guard let text = String(data: data, encoding: .utf8) else { throw Failure("\(what) \(path) is not UTF-8 text") }
        return text
    }

    /// Replaces `path` with `text`, mode 0600, atomically; creates its directory (mode 0700).
    public static func write(_ text: String, to path: String, what: String) throws(Failure) {
        let directory = (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: directory.isEmpty ? "." : directory,
                withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw Failure("\(what): cannot create \(directory): \(error.localizedDescription)")
        }
        let temporary = path + ".tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw Failure("\(what): cannot write \(temporary): \(String(cString: strerror(errno)))") }
        var bytes = Array(text.utf8)
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeMutableBytes { Foundation.write(fd, $0.baseAddress! + written, $0.count - written) }
            if count < 0 {
                if errno == EINTR { continue }
                let reason = String(cString: strerror(errno))
                close(fd)
                unlink(temporary)
                throw Failure("\(what): cannot write \(temporary): \(reason)")
            }
            written += count
        }
        bytes = []
        let synced = fsync(fd) == 0
        close(fd)
        guard synced, rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw Failure("\(what): cannot replace \(path): \(reason)")
        }
        let directoryFD = open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directoryFD >= 0 {
            fsync(directoryFD)
            close(directoryFD)
        }
    }
}
