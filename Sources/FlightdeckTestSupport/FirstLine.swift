import Foundation

/// The first line a child process prints (a peer announcing its port), read as it arrives:
/// Foundation's `availableData` traps on a read error and `read(upToCount:)` waits for the
/// whole count, so this reads with read(2) until a newline or end of file.
public enum FirstLine {
    public static func read(from handle: FileHandle) -> String {
        var line: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 256)
        while !line.contains(0x0A) {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(handle.fileDescriptor, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { break }
            line += chunk[..<count]
        }
        return String(decoding: line.prefix { $0 != 0x0A }, as: UTF8.self)
    }
}
