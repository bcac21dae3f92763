/// Cuts a byte stream into `\n`-terminated lines across chunk boundaries (watch events,
/// log lines). A line longer than `maxLine` is an error rather than unbounded memory.
public struct LineSplitter: Sendable {
    public let maxLine: Int
    private var pending: [UInt8] = []

    public struct LineTooLong: Error, Sendable, CustomStringConvertible {
        public var limit: Int
        public var description: String { "a line from the server is longer than \(limit) bytes" }
    }

    public init(maxLine: Int) { self.maxLine = maxLine }

    /// The complete lines `chunk` finishes, without their `\n`, each an array of its own.
    public mutating func push(_ chunk: [UInt8]) throws(LineTooLong) -> [[UInt8]] {
        var lines: [[UInt8]] = []
        if let tooLong = forEachLine(in: chunk, { lines.append(Array($0)) }) { throw tooLong }
        return lines
    }

    /// Hands each complete line `chunk` finishes (without its `\n`) to `body` as a slice of the
    /// chunk, or of the carried-over bytes when a line spans chunks: no copy per line.
    public mutating func forEachLine<E: Error>(
        in chunk: [UInt8], _ body: (ArraySlice<UInt8>) throws(E) -> Void
    ) throws(E) -> LineTooLong? {
        var start = chunk.startIndex
        while let newline = chunk[start...].firstIndex(of: 0x0A) {
            if pending.isEmpty {
                try body(chunk[start..<newline])
            } else {
                pending += chunk[start..<newline]
                let line = pending
                pending = []
                try body(line[...])
            }
            start = newline + 1
        }
        pending += chunk[start...]
        return pending.count > maxLine ? LineTooLong(limit: maxLine) : nil
    }

    /// What is left after the stream ended (a last line without `\n`), if anything.
    public mutating func finish() -> [UInt8]? {
        defer { pending = [] }
        return pending.isEmpty ? nil : pending
    }
}
