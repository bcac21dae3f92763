import CockpitUI
import Foundation

/// A real backend that draws into memory: it applies runs to its own screen the way a
/// terminal does (a narrow glyph written over half of a wide one blanks the other half), and
/// records every call. Tests use it to prove that presenting the same frame twice draws
/// nothing, and that the screen equals the frame after any sequence of presents and resizes.
///
/// Input is whatever the test feeds it (`send`, `resize`). Thread-safe: the session calls it
/// from its terminal thread while the test inspects it.
public final class RecordingBackend: TerminalBackend, @unchecked Sendable {
    /// One `draw` call as it arrived.
    public struct DrawCall: Sendable, Hashable {
        public var runs: [FrameDiff.Run]
        public var cleared: Bool
        /// How many cells were written (continuations not counted).
        public var cellCount: Int { runs.reduce(0) { $0 + $1.cells.filter { !$0.isContinuation }.count } }
    }

    private let condition = NSCondition()
    private var _size: TerminalSize
    private var _screen: CellGrid
    private var _draws: [DrawCall] = []
    private var _waits: [Duration?] = []
    private var pending: [TerminalEvent] = []
    private var woken = false
    private var _started = false
    private var _stopped = false
    private let capabilities: TerminalCapabilities
    /// When set, the next draw that is not a clear answers `.needsFullRedraw` (as a full
    /// colour-pair cache makes the ncurses backend do).
    private var refuseNextPartialDraw = false

    public init(width: Int, height: Int, capabilities: TerminalCapabilities = TerminalCapabilities(
        term: "recording", colorDepth: .truecolor, textMode: .utf8)) {
        _size = TerminalSize(width: width, height: height)
        _screen = CellGrid(width: width, height: height)
        self.capabilities = capabilities
    }

    // MARK: - What tests look at

    /// What the terminal shows now.
    public var screen: CellGrid { condition.withLock { _screen } }
    public var draws: [DrawCall] { condition.withLock { _draws } }
    /// The timeout of every wait, in order (`nil`: waited with no timeout, i.e. idle).
    public var waits: [Duration?] { condition.withLock { _waits } }
    public var isStarted: Bool { condition.withLock { _started } }
    public var isStopped: Bool { condition.withLock { _stopped } }

    // MARK: - What tests do

    /// Delivers events as if typed.
    public func send(_ events: TerminalEvent...) {
        condition.withLock {
            pending += events
            condition.broadcast()
        }
    }

    /// Resizes the "terminal" (its content is lost, as a real resize may) and reports it.
    public func resize(width: Int, height: Int) {
        condition.withLock {
            _size = TerminalSize(width: width, height: height)
            _screen = CellGrid(width: width, height: height)
            pending.append(.resized(width: width, height: height))
            condition.broadcast()
        }
    }

    /// Makes the next partial draw ask for a full redraw.
    public func simulatePairCacheOverflow() { condition.withLock { refuseNextPartialDraw = true } }

    // MARK: - TerminalBackend

    public func start() throws -> TerminalCapabilities {
        condition.withLock { _started = true }
        return capabilities
    }

    public var size: TerminalSize { condition.withLock { _size } }

    public func draw(_ runs: [FrameDiff.Run], clear: Bool) -> DrawOutcome {
        condition.withLock { () -> DrawOutcome in
            if refuseNextPartialDraw, !clear {
                refuseNextPartialDraw = false
                return .needsFullRedraw
            }
            _draws.append(DrawCall(runs: runs, cleared: clear))
            if clear { _screen = CellGrid(width: _size.width, height: _size.height) }
            for run in runs where run.y < _screen.height {
                for (offset, cell) in run.cells.enumerated() where !cell.isContinuation {
                    let x = run.x + offset
                    guard x < _screen.width else { break }
                    var drawn = cell
                    let text = GlyphGuard.text(for: cell, textMode: capabilities.textMode)
                    if cell.width == 2, x + 1 >= _screen.width {
                        drawn = Cell(text: " ", width: 1, style: cell.style)
                    } else if text != cell.text {
                        for (index, character) in text.enumerated() where x + index < _screen.width {
                            write(Cell(text: String(character), width: 1, style: cell.style), x: x + index, y: run.y)
                        }
                        continue
                    }
                    write(drawn, x: x, y: run.y)
                }
            }
            return .drawn
        }
    }

    public func waitForEvents(timeout: Duration?) -> [TerminalEvent] {
        condition.withLock { () -> [TerminalEvent] in
            _waits.append(timeout)
            let deadline = timeout.map { Date().addingTimeInterval(Double($0 / .microseconds(1)) / 1_000_000) }
            while pending.isEmpty, !woken {
                if let deadline {
                    if !condition.wait(until: deadline) { break }
                } else {
                    condition.wait()
                }
            }
            woken = false
            defer { pending.removeAll() }
            return pending
        }
    }

    public func wake() {
        condition.withLock {
            woken = true
            condition.broadcast()
        }
    }

    public func stop() { condition.withLock { _stopped = true } }

    // MARK: - Terminal semantics

    /// Writes one glyph as a terminal would: overwriting either half of a wide glyph blanks
    /// its other half.
    private func write(_ cell: Cell, x: Int, y: Int) {
        func blank(_ column: Int) {
            _screen[column, y] = Cell(text: " ", width: 1, style: _screen[column, y].style)
        }
        let span = cell.width == 2 ? [x, x + 1] : [x]
        for column in span where column < _screen.width {
            let old = _screen[column, y]
            // The head of a wide glyph whose tail we overwrite, or the tail of one whose head we do.
            if old.isContinuation, column > 0, !span.contains(column - 1) { blank(column - 1) }
            if old.width == 2, column + 1 < _screen.width, !span.contains(column + 1) { blank(column + 1) }
        }
        _screen[x, y] = cell
        if cell.width == 2, x + 1 < _screen.width { _screen[x + 1, y] = Cell(text: "", width: 0, style: cell.style) }
    }
}
