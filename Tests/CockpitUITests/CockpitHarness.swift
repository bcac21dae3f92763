@testable import CockpitUI
import FlightdeckCore
import FlightdeckTestSupport
import Foundation

/// Drives the cockpit the way the runtime does: messages in, state and effects out.
struct Harness {
    var state: CockpitState
    /// Effects of the last `send`/`press` call.
    var effects: [CockpitEffect] = []
    /// Every effect so far.
    var allEffects: [CockpitEffect] = []

    static let utc = TimeZone(identifier: "UTC")!

    init(width: Int = 80, height: Int = 24, glyphs: GlyphSet = .unicode, jobs: [AgentJob] = CockpitFixtures.jobs) {
        state = CockpitState(width: width, height: height, now: CockpitFixtures.now, theme: .default, glyphs: glyphs,
                             timeZone: Self.utc)
        send(.jobsListed(jobs))
    }

    mutating func send(_ messages: CockpitMessage...) {
        effects = []
        for message in messages {
            let (next, out) = Cockpit.update(state, message)
            state = next
            effects += out
        }
        allEffects += effects
    }

    mutating func press(_ keys: Key...) {
        var collected: [CockpitEffect] = []
        for key in keys {
            send(.terminal(.key(key)))
            collected += effects
        }
        effects = collected
    }

    mutating func type(_ text: String) {
        var collected: [CockpitEffect] = []
        for character in text {
            send(.terminal(.key(.character(character))))
            collected += effects
        }
        effects = collected
    }

    /// Moves the job selection to `id` with j/k from the jobs pane.
    mutating func select(_ id: String) {
        let focus = state.focus
        while state.focus != .jobs { press(.tab) }
        press(.character("g"))
        for _ in 0..<state.jobs.visible.count where state.jobs.selectedID != id { press(.character("j")) }
        precondition(state.jobs.selectedID == id, "job \(id) is not in the list")
        while state.focus != focus { press(.tab) }
    }

    /// Selects `job` and hands it the tail `seq` of its trace, as the runtime would.
    mutating func loadTrace(_ job: String = "j1", seq: ClosedRange<Int64>, total: Int64? = nil) {
        select(job)
        send(.tracePageLoaded(jobID: job, records: CockpitFixtures.records(job: job, seq: seq), total: total ?? seq.upperBound))
    }

    mutating func focus(_ pane: PaneID) {
        while state.focus != pane { press(.tab) }
    }

    func render(width: Int? = nil, height: Int? = nil) -> CellGrid {
        Cockpit.render(state, width: width ?? state.width, height: height ?? state.height)
    }

    var screen: String { render().lines.joined(separator: "\n") }
}

extension CellGrid {
    var text: String { lines.joined(separator: "\n") }

    /// The column where `needle` starts on row `y` (cells, not characters), if it does.
    func column(of needle: String, row y: Int) -> Int? {
        let first = needle.first.map(String.init)
        for x in 0..<width where self[x, y].text == first {
            var column = x
            var matched = true
            for character in needle {
                guard column < width, self[column, y].text == String(character) else {
                    matched = false
                    break
                }
                column += max(1, Int(self[column, y].width))
            }
            if matched { return x }
        }
        return nil
    }

    func row(containing needle: String) -> Int? { lines.firstIndex { $0.contains(needle) } }
}
