import CockpitUI
import Foundation
import Synchronization

/// Drives the pure cockpit on a terminal session: messages in from any thread (keys and
/// resizes from the session, a tick each second, whatever the caller sends), then
/// `Cockpit.update`, the effects handed to the caller, and one render per batch of messages
/// presented to the session (which diffs and caps frames). Nothing is rendered while no
/// message arrives; ticks come only when the state says one has something to do
/// (`CockpitState.nextTick`), and redraw only the panes whose text they change.
public final class CockpitLoop: Sendable {
    private let session: TerminalSession
    private let inbox = Mutex<[CockpitMessage]>([])
    private let wake: AsyncStream<Void>.Continuation
    private let wakes: AsyncStream<Void>
    private let tickInterval: Duration

    public init(session: TerminalSession, tickInterval: Duration = .seconds(1)) {
        self.session = session
        self.tickInterval = tickInterval
        (wakes, wake) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    /// Queues a message for the next batch; any thread.
    public func send(_ message: CockpitMessage) {
        inbox.withLock { $0.append(message) }
        wake.yield()
    }

    /// Ends `run` as `q` would (a signal, a lost terminal).
    public func quit() { send(.terminal(.key(.ctrl("q")))) }

    /// The signal that ended the session (`TerminalEvent.terminated`), if one did: the
    /// program exits with 128 + it once it has shut down.
    public var endedBySignal: Int32? { terminationSignal.withLock { $0 } }
    private let terminationSignal = Mutex<Int32?>(nil)

    /// Runs until the operator quits or `quit()` is called; `perform` carries out each effect
    /// (it must not block: start work and `send` its result). Returns the final state.
    @discardableResult
    public func run(_ initial: CockpitState, perform: @escaping @Sendable (CockpitEffect) -> Void) async -> CockpitState {
        var state = initial
        let depth = session.capabilities.colorDepth
        var theme = state.theme
        var mappedTheme = theme.mapped(to: depth)
        // Panes whose inputs did not change are kept from the last frame (a tick that changes
        // no visible text draws no pane).
        var cache = FrameCache()
        let session = session
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await event in session.events() { self.send(.terminal(event)) }
                self.quit()  // the terminal went away
            }
            // Ticks: one at once, then whenever the state says the next one has something to
            // do (`CockpitState.nextTick`), at most `tickInterval` apart while messages arrive.
            var ticker: Task<Void, Never>?
            var scheduled: Date?
            var lastTick = Date.distantPast
            let busyTick = Double(tickInterval.components.seconds) + Double(tickInterval.components.attoseconds) / 1e18
            send(.ticked(Date()))
            var quit = false
            for await _ in wakes {
                var messages = inbox.withLock { inbox in
                    defer { inbox.removeAll(keepingCapacity: true) }
                    return inbox
                }
                let wall = Date()
                if messages.contains(where: { if case .ticked = $0 { true } else { false } }) {
                    lastTick = wall
                } else if wall.timeIntervalSince(lastTick) >= busyTick {
                    // Busy between ticks: the clock the messages are handled at stays fresh.
                    messages.insert(.ticked(wall), at: 0)
                    lastTick = wall
                }
                for message in messages {
                    if case .terminal(.key(.ctrl("q"))) = message { quit = true }
                    // (`update` answers it with `.quit`; the signal is the exit status's.)
                    if case .terminal(.terminated(let signal)) = message { terminationSignal.withLock { $0 = signal } }
                    for effect in Cockpit.update(&state, message) {
                        if case .quit = effect { quit = true }
                        perform(effect)
                    }
                }
                if quit { break }
                if state.theme != theme {
                    theme = state.theme
                    mappedTheme = theme.mapped(to: depth)
                }
                GlyphTable.shared.beginFrame()
                session.present(Cockpit.render(state, width: state.width, height: state.height, theme: mappedTheme, cache: &cache))
                let next = state.nextTick
                if next != scheduled {
                    scheduled = next
                    ticker?.cancel()
                    ticker = Task { [weak self] in
                        // Just past the moment, so the text has changed when the tick comes.
                        try? await Task.sleep(for: .seconds(max(0, next.timeIntervalSinceNow) + 0.001))
                        if !Task.isCancelled { self?.send(.ticked(Date())) }
                    }
                }
            }
            ticker?.cancel()
            group.cancelAll()
        }
        return state
    }
}
