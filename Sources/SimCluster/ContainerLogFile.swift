import Foundation
import SimAgent
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One container instance's log file in the CRI format (`<RFC3339Nano> stdout F <line>`),
/// as the container runtime writes it and the kubelet reads it.
///
/// Writing is buffered in memory and reaches the file in 64 KiB writes (or when a second
/// has passed, or at `close`), so a million-line log costs a few hundred `write` calls.
/// Readers see the unflushed tail too: a read below the flushed size is a `pread` of the
/// file, above it a copy of the buffer — so a follower never waits for a flush, and nothing
/// is ever re-read from the start.
public final class ContainerLogFile: Sendable {
    public let path: String
    /// Signalled on every append and at close (followers wait on it).
    let changes = ChangeSignal()
    private let clock: @Sendable () -> Date

    private struct State {
        var fd: Int32
        var flushed: Int64
        var pending: [UInt8] = []
        var terminated: Bool
        var lastFlush = ContinuousClock.now
        var stamps = LogTimestamp.Cache()
    }

    private let state: Mutex<State>
    static let flushThreshold = 64 * 1024

    /// Creates (truncating) the file of a new container instance.
    init(creating path: String, clock: @escaping @Sendable () -> Date) throws {
        let directory = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0o640)
        guard fd >= 0 else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path]) }
        self.path = path
        self.clock = clock
        state = Mutex(State(fd: fd, flushed: 0, terminated: false))
    }

    /// A finished instance's file (from an earlier run or a closed writer).
    init(finished path: String) {
        self.path = path
        clock = { Date() }
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value ?? 0
        state = Mutex(State(fd: -1, flushed: size, terminated: true))
    }

    deinit {
        state.withLock { state in
            if state.fd >= 0 { closeDescriptor(state.fd) }
        }
    }

    // MARK: - Writing

    /// Appends one line per `\n`-separated part of `text`, stamped now, on `stream`.
    public func append(_ text: String, stream: String = "stdout") {
        let now = clock()
        let appended = state.withLock { state -> Bool in
            guard !state.terminated else { return false }
            let stamp = state.stamps.bytes(from: now)
            for part in text.utf8.split(separator: 0x0A, omittingEmptySubsequences: false) {
                state.pending += stamp
                state.pending.append(0x20)
                state.pending += stream.utf8
                state.pending += [0x20, UInt8(ascii: "F"), 0x20]
                state.pending += part
                state.pending.append(0x0A)
            }
            if state.pending.count >= Self.flushThreshold || state.lastFlush.duration(to: .now) > .seconds(1) {
                Self.flush(&state)
            }
            return true
        }
        if appended { changes.signal() }
    }

    /// Writes the buffer to the file.
    public func flush() { state.withLock { Self.flush(&$0) } }

    /// The container exited: flush, close, and let followers finish.
    public func close() {
        state.withLock { state in
            guard !state.terminated else { return }
            Self.flush(&state)
            if state.fd >= 0 { closeDescriptor(state.fd) }
            state.fd = -1
            state.terminated = true
        }
        changes.signal()
    }

    private static func flush(_ state: inout State) {
        state.lastFlush = .now
        guard !state.pending.isEmpty, state.fd >= 0 else { return }
        var written = 0
        state.pending.withUnsafeBytes { bytes in
            while written < bytes.count {
                let result = write(state.fd, bytes.baseAddress! + written, bytes.count - written)
                if result < 0 {
                    if errno == EINTR { continue }
                    break
                }
                written += result
            }
        }
        state.flushed += Int64(written)
        state.pending.removeFirst(min(written, state.pending.count))
    }

    // MARK: - Reading

    /// Bytes written so far (flushed or not).
    public var size: Int64 { state.withLock { $0.flushed + Int64($0.pending.count) } }
    public var isTerminated: Bool { state.withLock { $0.terminated } }

    /// Up to `count` bytes at `offset`: from the buffer when they are not flushed yet, else
    /// read from the file through `fd` (the reader's own descriptor).
    func read(at offset: Int64, count: Int, fd: Int32) -> [UInt8] {
        guard count > 0 else { return [] }
        let flushed: Int64
        do {
            let (fromBuffer, limit) = state.withLock { state -> ([UInt8]?, Int64) in
                if offset >= state.flushed {
                    let start = Int(offset - state.flushed)
                    guard start < state.pending.count else { return ([], state.flushed) }
                    return (Array(state.pending[start..<min(state.pending.count, start + count)]), state.flushed)
                }
                return (nil, state.flushed)
            }
            if let fromBuffer { return fromBuffer }
            flushed = limit
        }
        let wanted = Int(min(Int64(count), flushed - offset))
        var buffer = [UInt8](repeating: 0, count: wanted)
        let got = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, wanted, off_t(offset)) }
        if got <= 0 { return [] }
        if got < wanted { buffer.removeLast(wanted - got) }
        return buffer
    }
}

/// `close(2)`, named apart from `ContainerLogFile.close()`.
func closeDescriptor(_ fd: Int32) { _ = close(fd) }
