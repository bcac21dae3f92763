import CockpitUI
import Foundation

/// The session's one terminal thread and the mailbox it shares with callers.
///
/// Callers post frames (the latest wins) and read events; the thread owns the backend,
/// waits on it with no timeout when there is nothing to draw, and draws at most
/// `maxFramesPerSecond` times a second. Separate from `TerminalSession` so that the thread
/// does not keep the session alive: dropping the session shuts the terminal down.
final class TerminalLoop: @unchecked Sendable {
    let backend: any TerminalBackend
    let frameInterval: Duration
    let events: AsyncStream<TerminalEvent>
    private let continuation: AsyncStream<TerminalEvent>.Continuation

    private let lock = NSCondition()
    // Guarded by `lock`.
    private var pendingFrame: CellGrid?
    private var submitted = 0
    private var handled = 0
    private var stopping = false
    private var finished = false
    private var startResult: Result<TerminalCapabilities, any Error>?
    private var latestSize = TerminalSize(width: 0, height: 0)

    // The terminal thread's own.
    private var previous: CellGrid?
    private var needsClear = true
    private var nextFrameAt = ContinuousClock.now
    private let clock = ContinuousClock()

    init(backend: any TerminalBackend, maxFramesPerSecond: Int) {
        self.backend = backend
        frameInterval = .seconds(1) / max(1, maxFramesPerSecond)
        (events, continuation) = AsyncStream.makeStream(of: TerminalEvent.self, bufferingPolicy: .unbounded)
    }

    /// Starts the thread and waits until the backend has taken over the terminal.
    func start() throws -> TerminalCapabilities {
        let thread = Thread { [self] in run() }
        thread.name = "flightdeck-terminal"
        thread.start()
        return try lock.withLock {
            while startResult == nil { lock.wait() }
            return try startResult!.get()
        }
    }

    var size: TerminalSize { lock.withLock { latestSize } }

    func post(_ frame: CellGrid) {
        let wasIdle = lock.withLock {
            defer {
                pendingFrame = frame
                submitted += 1
            }
            return pendingFrame == nil
        }
        // A frame already waiting means the thread already has a deadline for it.
        if wasIdle { backend.wake() }
    }

    /// Blocks until every frame posted so far is handled (drawn, or found unchanged).
    func flush() {
        lock.withLock {
            let target = submitted
            while handled < target, !finished { lock.wait() }
        }
    }

    /// Stops the thread, which restores the terminal; returns once it has.
    func shutdown() {
        let started = lock.withLock {
            stopping = true
            return startResult != nil
        }
        guard started else { return }
        backend.wake()
        lock.withLock { while !finished { lock.wait() } }
    }

    // MARK: - The terminal thread

    private func run() {
        do {
            let capabilities = try backend.start()
            lock.withLock {
                latestSize = backend.size
                startResult = .success(capabilities)
                lock.broadcast()
            }
        } catch {
            lock.withLock {
                startResult = .failure(error)
                finished = true
                lock.broadcast()
            }
            continuation.finish()
            return
        }
        while true {
            let (stop, hasFrame) = lock.withLock { (stopping, pendingFrame != nil) }
            if stop { break }
            let timeout: Duration? = hasFrame ? max(.zero, nextFrameAt - clock.now) : nil
            var terminated = false
            for event in backend.waitForEvents(timeout: timeout) {
                if case let .resized(width, height) = event {
                    previous = nil
                    needsClear = true
                    lock.withLock { latestSize = TerminalSize(width: width, height: height) }
                }
                if case .terminated = event { terminated = true }
                continuation.yield(event)
            }
            // The backend has given the terminal back: nothing more to draw or read.
            if terminated { break }
            let now = clock.now
            guard now >= nextFrameAt else { continue }
            let taken: (CellGrid, Int)? = lock.withLock {
                guard let frame = pendingFrame else { return nil }
                pendingFrame = nil
                return (frame, submitted)
            }
            guard let taken else { continue }
            let (frame, generation) = taken
            if render(frame) { nextFrameAt = now + frameInterval }
            lock.withLock {
                handled = generation
                lock.broadcast()
            }
        }
        backend.stop()
        continuation.finish()
        lock.withLock {
            finished = true
            lock.broadcast()
        }
    }

    /// Draws what changed since the last frame; returns whether anything was drawn.
    private func render(_ frame: CellGrid) -> Bool {
        let clear = needsClear || previous == nil || previous!.width != frame.width || previous!.height != frame.height
        let runs = FrameDiff.runs(from: clear ? nil : previous, to: frame)
        if runs.isEmpty, !clear { return false }
        if backend.draw(runs, clear: clear) == .needsFullRedraw {
            _ = backend.draw(FrameDiff.runs(from: nil, to: frame), clear: true)
        }
        previous = frame
        needsClear = false
        return true
    }
}
