import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An exclusive advisory lock (`flock`) on a file, held by at most one open of it on this
/// host — also within one process — until `release()` or the process's end (a crash
/// releases it too). Taken without waiting: `nil` while another holder has it.
final class FileLock: Sendable {
    struct CannotOpen: Error, Sendable, CustomStringConvertible {
        var description: String
    }

    let path: String
    private let descriptor: Mutex<Int32?>

    /// Creates the file when missing; throws when it cannot be opened.
    init?(path: String) throws(CannotOpen) {
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw CannotOpen(description: "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            return nil
        }
        self.path = path
        self.descriptor = Mutex(descriptor)
    }

    func release() {
        guard let descriptor = descriptor.withLock({ $0.take() }) else { return }
        close(descriptor)
    }
}
