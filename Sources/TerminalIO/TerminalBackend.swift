import CockpitUI

/// Where frames go and keys come from: the ncurses terminal, or a recording for tests.
///
/// A `TerminalSession` drives its backend from one dedicated thread, so every method but
/// `wake()` is called on that thread only (ncurses is not thread-safe, and the blocking
/// wait must never sit on Swift's cooperative pool).
public protocol TerminalBackend: AnyObject {
    /// Takes over the terminal (full screen, raw keys, signal handlers) and returns what it
    /// can show. Throws when there is no usable terminal.
    func start() throws -> TerminalCapabilities
    /// The terminal's size in cells, as of the last `start` or resize event.
    var size: TerminalSize { get }
    /// Draws `runs` (from `FrameDiff`), clearing the whole screen first when `clear` (after
    /// a resize), then updates the terminal once.
    func draw(_ runs: [FrameDiff.Run], clear: Bool) -> DrawOutcome
    /// Blocks until input arrives, `wake()` is called, or `timeout` passes (`nil`: no
    /// timeout, so an idle cockpit never wakes up). Returns the decoded events, possibly none.
    func waitForEvents(timeout: Duration?) -> [TerminalEvent]
    /// Makes a blocked `waitForEvents` return. Any thread.
    func wake()
    /// Gives the terminal back as it was (normal screen, cursor visible, cooked mode).
    /// Idempotent.
    func stop()
}
