import CockpitUI
import TerminalIO

/// A terminal backend that hands everything to another (ncurses on the benchmark's pty): what
/// the benchmarks' screen-reading backends build on, each overriding `draw` to look at what
/// reached the terminal.
class ForwardingBackend: TerminalBackend, @unchecked Sendable {
    let inner: any TerminalBackend

    init(_ inner: any TerminalBackend) { self.inner = inner }

    func start() throws -> TerminalCapabilities { try inner.start() }
    var size: TerminalSize { inner.size }
    func draw(_ runs: [FrameDiff.Run], clear: Bool) -> DrawOutcome { inner.draw(runs, clear: clear) }
    func waitForEvents(timeout: Duration?) -> [TerminalEvent] { inner.waitForEvents(timeout: timeout) }
    func wake() { inner.wake() }
    func stop() { inner.stop() }
}
