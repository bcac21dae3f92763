import FlightdeckCore
import Foundation
import KubeModel

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The body of `GET …/pods/{name}/log`: an async sequence of byte chunks (up to 64 KiB,
/// whole lines except where `limitBytes` cuts), with the options applied as the kubelet does:
/// `tailLines` picks the start, `sinceTime`/`sinceSeconds` skip older lines, `timestamps`
/// prefixes each line with its RFC3339Nano time, `limitBytes` ends the stream after that many
/// bytes, and `follow` keeps reading until the container instance terminates and everything
/// it wrote has been delivered. Without `follow` it ends at the size the file had when the
/// stream was made.
public struct PodLogStream: AsyncSequence, Sendable {
    public typealias Element = [UInt8]
    public typealias Failure = Never

    let file: ContainerLogFile
    let follow: Bool
    let tailLines: Int64?
    let since: Date?
    let timestamps: Bool
    let limitBytes: Int64?

    init(file: ContainerLogFile, options: PodLogOptions, now: Date) {
        self.file = file
        follow = options.follow ?? false
        tailLines = options.tailLines
        since = options.sinceTime ?? options.sinceSeconds.map { now.addingTimeInterval(-Double($0)) }
        timestamps = options.timestamps ?? false
        limitBytes = options.limitBytes
    }

    public func makeAsyncIterator() -> Iterator { Iterator(reader: LogReader(self)) }

    public struct Iterator: AsyncIteratorProtocol {
        let reader: LogReader
        public mutating func next() async -> [UInt8]? { await reader.next() }
    }

    /// Everything as text (tests, small logs).
    public func text() async -> String {
        var bytes: [UInt8] = []
        for await chunk in self { bytes += chunk }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Everything as lines without their newline.
    public func lines() async -> [String] {
        let text = await text()
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        return lines
    }
}

/// The reading state of one stream; owns a read descriptor of the file.
final class LogReader {
    let file: ContainerLogFile
    let options: PodLogStream
    let fd: Int32
    var offset: Int64 = 0
    let end: Int64
    var carry: [UInt8] = []
    let sinceStamp: [UInt8]?
    var remaining: Int64
    var started = false
    var done = false

    static let chunk = 64 * 1024

    init(_ options: PodLogStream) {
        file = options.file
        self.options = options
        fd = open(options.file.path, O_RDONLY | O_CLOEXEC)
        end = options.file.size
        sinceStamp = options.since.map(LogTimestamp.bytes(from:))
        remaining = options.limitBytes ?? .max
    }

    deinit { if fd >= 0 { closeDescriptor(fd) } }

    func next() async -> [UInt8]? {
        guard !done, fd >= 0 else { return nil }
        if !started {
            started = true
            if let tail = options.tailLines { offset = tailStart(lines: tail) }
        }
        while remaining > 0 {
            let generation = file.changes.generation
            let terminated = file.isTerminated
            let limit = options.follow ? Int64.max : end
            let bytes = offset < limit ? file.read(at: offset, count: Int(min(Int64(Self.chunk), limit - offset)), fd: fd) : []
            if bytes.isEmpty {
                if options.follow, !terminated {
                    await file.changes.wait(after: generation)
                    if Task.isCancelled { break }
                    continue
                }
                // A last line without its newline (a crash mid-write) still counts.
                if !carry.isEmpty {
                    carry.append(0x0A)
                    let out = render()
                    if !out.isEmpty { return limited(out) }
                }
                break
            }
            offset += Int64(bytes.count)
            carry += bytes
            let out = render()
            if !out.isEmpty { return limited(out) }
        }
        done = true
        return nil
    }

    private func limited(_ out: [UInt8]) -> [UInt8] {
        guard Int64(out.count) > remaining else {
            remaining -= Int64(out.count)
            return out
        }
        let cut = Array(out.prefix(Int(remaining)))
        remaining = 0
        return cut
    }

    /// Turns the complete lines in `carry` into output and keeps the incomplete rest.
    private func render() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(carry.count)
        var consumed = 0
        carry.withUnsafeBufferPointer { buffer in
            let count = buffer.count
            var start = 0
            while start < count {
                guard let newline = Self.index(of: 0x0A, in: buffer, from: start) else { break }
                Self.renderLine(UnsafeBufferPointer(rebasing: buffer[start..<newline]), into: &out,
                    since: sinceStamp, timestamps: options.timestamps)
                start = newline + 1
            }
            consumed = start
        }
        carry.removeFirst(consumed)
        return out
    }

    static func index(of byte: UInt8, in buffer: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        guard start < buffer.count, let base = buffer.baseAddress else { return nil }
        guard let found = memchr(base + start, Int32(byte), buffer.count - start) else { return nil }
        return base.distance(to: found.assumingMemoryBound(to: UInt8.self))
    }

    /// `<ts> <stream> <tag> <content>` → `[<ts> ]<content>\n` (no newline for a partial `P` chunk).
    static func renderLine(_ line: UnsafeBufferPointer<UInt8>, into out: inout [UInt8], since: [UInt8]?,
        timestamps: Bool)
    {
        guard let first = index(of: 0x20, in: line, from: 0),
            let second = index(of: 0x20, in: line, from: first + 1)
        else { return }  // not a CRI line
        let tagEnd = index(of: 0x20, in: line, from: second + 1) ?? line.count
        let stamp = UnsafeBufferPointer(rebasing: line[0..<first])
        if let since, !Self.isAtOrAfter(stamp, since) { return }
        let partial = tagEnd == second + 2 && line[second + 1] == UInt8(ascii: "P")
        if timestamps {
            out += stamp
            out.append(0x20)
        }
        if tagEnd < line.count { out += UnsafeBufferPointer(rebasing: line[(tagEnd + 1)...]) }
        if !partial { out.append(0x0A) }
    }

    /// Compares fixed-width stamps as bytes; other widths are parsed.
    static func isAtOrAfter(_ stamp: UnsafeBufferPointer<UInt8>, _ since: [UInt8]) -> Bool {
        if stamp.count == since.count { return !stamp.lexicographicallyPrecedes(since) }
        guard let date = RFC3339.date(from: stamp), let limit = since.withUnsafeBufferPointer(RFC3339.date(from:))
        else { return true }
        return date >= limit
    }

    /// The offset where the last `lines` lines start (before `end`).
    func tailStart(lines: Int64) -> Int64 {
        let total = options.follow ? file.size : end
        guard lines > 0 else { return total }
        var position = total
        var seen: Int64 = 0
        while position > 0 {
            let size = Int(min(Int64(Self.chunk), position))
            let base = position - Int64(size)
            let block = file.read(at: base, count: size, fd: fd)
            guard block.count == size else { return 0 }
            // The newline at the very end terminates the last line; every other one starts a line.
            for index in stride(from: size - 1, through: 0, by: -1) where block[index] == 0x0A {
                let absolute = base + Int64(index)
                if absolute == total - 1 { continue }
                seen += 1
                if seen == lines { return absolute + 1 }
            }
            position = base
        }
        return 0
    }
}
