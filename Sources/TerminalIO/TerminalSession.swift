import CockpitUI
import Foundation

/// The cockpit's terminal: frames in, events out, and the terminal given back on every way
/// out.
///
/// `present` diffs each frame against the last one drawn and sends only what changed; frames
/// presented faster than `maxFramesPerSecond` are coalesced (the latest wins); when nothing
/// happens the session's thread sleeps without a timeout. The terminal is restored by
/// `shutdown()` (also run when the session is released), by SIGINT/SIGTERM/SIGHUP/SIGQUIT
/// (restore, then exit with 128+signal), on a crash (reset sequence written with write(2),
/// then the signal's default action), and at `exit`.
public final class TerminalSession: Sendable {
    public struct Options: Sendable {
        /// At most this many draws a second; more frequent presents are coalesced.
        public var maxFramesPerSecond: Int

        public init(maxFramesPerSecond: Int = 60) {
            self.maxFramesPerSecond = maxFramesPerSecond
        }
    }

    /// What the terminal can show (colour depth, UTF-8 or ASCII), final once open.
    public let capabilities: TerminalCapabilities
    private let loop: TerminalLoop

    /// Takes over the terminal through `backend`; throws `TerminalError` when it cannot.
    public init(backend: any TerminalBackend, options: Options = Options()) throws {
        // The first frame's glyph widths, worked out while the terminal starts.
        Thread.detachNewThread { DisplayWidth.prepare() }
        loop = TerminalLoop(backend: backend, maxFramesPerSecond: options.maxFramesPerSecond)
        capabilities = try loop.start()
    }

    /// The real terminal through ncurses, with capabilities detected from `environment`.
    public convenience init(
        environment: [String: String] = ProcessInfo.processInfo.environment, inputMode: CursesBackend.InputMode = .raw,
        mouse: Bool = false, forceASCII: Bool = false, options: Options = Options()
    ) throws {
        let backend = CursesBackend(options: CursesBackend.Options(
            environment: environment, inputMode: inputMode, mouse: mouse, forceASCII: forceASCII))
        try self.init(backend: backend, options: options)
    }

    deinit { loop.shutdown() }

    /// Keys and resizes, in order. One consumer; the stream finishes at shutdown.
    public func events() -> AsyncStream<TerminalEvent> { loop.events }

    /// The terminal's size as of the last resize event delivered.
    public var size: TerminalSize { loop.size }

    /// Shows `grid`: only the cells that differ from the last frame drawn reach the
    /// terminal, and nothing at all when none do. Returns at once; any thread.
    public func present(_ grid: CellGrid) { loop.post(grid) }

    /// Blocks until every frame presented so far has been drawn (or found unchanged). For
    /// tests, and before handing the terminal to something else.
    public func flush() { loop.flush() }

    /// Restores the terminal and stops reading keys. Idempotent; blocks until done.
    public func shutdown() { loop.shutdown() }
}
