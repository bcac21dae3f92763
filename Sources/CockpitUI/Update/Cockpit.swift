import FlightdeckCore
import Foundation

/// The cockpit's two pure functions (bubbletea's `Update` and `View`).
///
/// The runtime keeps one `CockpitState`, feeds every event through `update` (executing the
/// effects it returns, whose results come back as messages) and draws `render`'s grid
/// through the frame diff.
public enum Cockpit {
    /// The only place state changes.
    public static func update(_ state: CockpitState, _ message: CockpitMessage) -> (CockpitState, [CockpitEffect]) {
        var state = state
        var effects: [CockpitEffect] = []
        state.apply(message, &effects)
        return (state, effects)
    }

    /// `update` in place: the same transition, but the state's buffers (the trace window
    /// above all) stay uniquely owned, so appending a live record does not copy the window.
    /// What a runtime loop should call.
    public static func update(_ state: inout CockpitState, _ message: CockpitMessage) -> [CockpitEffect] {
        var effects: [CockpitEffect] = []
        state.apply(message, &effects)
        return effects
    }
}
