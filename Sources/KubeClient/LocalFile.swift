#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A file read whole through one descriptor, with its mode taken from that same descriptor.
///
/// Why not `Data(contentsOf:)`: its errors are Cocoa error codes, while the messages here
/// must say "permission denied" or "is a directory", which `errno` gives; and the
/// permission warning must describe the file that was actually read, not whatever sits at
/// the path a moment later.
struct LocalFile {
    /// What went wrong, as `errno` said.
    enum Failure: Error, Equatable {
        case missing
        case unreadable(String)
        case tooLarge(Int)
    }

    let bytes: [UInt8]
    /// Permission bits (`0o644`).
    let mode: UInt32

    /// Kubeconfigs and keys are small; anything past this is not one.
    static let maxSize = 16 * 1024 * 1024

    static func load(_ path: String, maxSize: Int = LocalFile.maxSize) -> Result<LocalFile, Failure> {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            return .failure(code == ENOENT || code == ENOTDIR ? .missing : .unreadable(describe(code)))
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return .failure(.unreadable(describe(errno))) }
        if (info.st_mode & S_IFMT) == S_IFDIR { return .failure(.unreadable(describe(EISDIR))) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                return .failure(.unreadable(describe(errno)))
            }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[0 ..< count])
            if bytes.count > maxSize { return .failure(.tooLarge(maxSize)) }
        }
        return .success(LocalFile(bytes: bytes, mode: UInt32(info.st_mode) & 0o7777))
    }

    /// True when a regular file (or a symlink to one) is at `path`, readable or not.
    static func isFile(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
    }

    /// `permission denied`, `is a directory`: strerror, lower-cased as in Go's messages.
    static func describe(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "error \(code)" }
        return String(cString: text).lowercased()
    }

    /// `0644`: the form `ls -l` users and `chmod` expect.
    static func octal(_ mode: UInt32) -> String {
        let digits = String(mode & 0o777, radix: 8)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
