import Foundation

/// Reads newline-separated lines from a file handle in large chunks.
///
/// A line longer than `maxLineBytes` is cut there and the rest of it skipped, so a hostile
/// file without newlines cannot exhaust memory.
public struct LineReader {
    public static let defaultMaxLineBytes = 17 << 20

    private let handle: FileHandle
    private let maxLineBytes: Int
    private var buffer: [UInt8] = []
    private var start = 0
    private var atEnd = false

    public init(handle: FileHandle, maxLineBytes: Int = defaultMaxLineBytes) {
        self.handle = handle
        self.maxLineBytes = maxLineBytes
    }

    /// The next line without its newline, or `nil` at the end of input.
    public mutating func next() throws -> [UInt8]? {
        var skipping = false
        var line: [UInt8] = []
        while true {
            if let newline = buffer[start...].firstIndex(of: UInt8(ascii: "\n")) {
                if !skipping { line += buffer[start..<newline] }
                start = newline + 1
                return line
            }
            if !skipping {
                line += buffer[start...]
                if line.count >= maxLineBytes {
                    line.removeLast(line.count - maxLineBytes)
                    skipping = true
                }
            }
            buffer.removeAll(keepingCapacity: true)
            start = 0
            if atEnd { return line.isEmpty && !skipping ? nil : line }
            let chunk = try handle.read(upToCount: 1 << 16) ?? Data()
            if chunk.isEmpty { atEnd = true } else { buffer.append(contentsOf: chunk) }
        }
    }
}
