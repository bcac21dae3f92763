@testable import CockpitUI
import FlightdeckCore
import FlightdeckTestSupport
import Foundation
import Testing

@Suite struct StatusBarTests {
    @Test func contextLinksAndAReconnectCountdownFromTheLastTick() throws {
        var h = Harness(width: 200, height: 60)
        h.send(.contextInfo(context: "prod", cluster: "k3s-prod"),
               .connectionChanged(ConnectionStatus(api: .connected, nats: .reconnecting(retryAt: CockpitFixtures.now.addingTimeInterval(5)))))
        var bar = h.render().lines[59]
        #expect(bar.contains(" prod (k3s-prod) "))
        #expect(bar.contains("● API"))
        #expect(bar.contains("◌ NATS retry in 5s"))
        h.send(.ticked(CockpitFixtures.now.addingTimeInterval(2)))
        bar = h.render().lines[59]
        #expect(bar.contains("NATS retry in 3s"))
        h.send(.connectionChanged(ConnectionStatus(api: .down(reason: "connection refused"), nats: .notConfigured)))
        bar = h.render().lines[59]
        #expect(bar.contains("✖ API down: connection refused"))
        #expect(bar.contains("NATS off"))
        let grid = h.render()
        let x = try #require(grid.column(of: "API down", row: 59))
        #expect(grid[x, 59].style == h.state.theme.style(.statusBarDown))
    }

    @Test func hintsFollowTheFocusedPaneAndTheJobsState() throws {
        var h = Harness(width: 200, height: 60)
        h.select("j1")  // running
        var bar = h.render().lines[59]
        #expect(bar.contains("s steer") && bar.contains("p pause/resume") && bar.contains("c cancel") && bar.contains("d delete"))
        #expect(!bar.contains("R retry"))
        h.select("j4")  // failed
        bar = h.render().lines[59]
        #expect(bar.contains("R retry") && bar.contains("d delete"))
        #expect(!bar.contains("s steer") && !bar.contains("c cancel"))
        h.focus(.trace)
        bar = h.render().lines[59]
        #expect(bar.contains("/ search") && bar.contains("f follow") && bar.contains("w wrap"))
        #expect(!bar.contains("R retry"))
        h.send(.capabilitiesLoaded(allowed: Set(JobIntentKind.allCases), readOnly: true))
        h.focus(.jobs)
        bar = h.render().lines[59]
        #expect(bar.contains("READ-ONLY"))
        #expect(!bar.contains("R retry") && !bar.contains("d delete") && !bar.contains("n new"))
    }

    /// On a narrow terminal the pane's hints give way from the end; help and quit stay.
    @Test func hintsThatDoNotFitDropThePanesOwnAndKeepHelpAndQuit() throws {
        for width in [80, 100, 120] {
            var h = Harness(width: width, height: 24)
            h.send(.contextInfo(context: "flightdeck-demo", cluster: "https://127.0.0.1:6443"),
                   .connectionChanged(ConnectionStatus(api: .connected, nats: .connected)))
            h.select("j1")  // running: the most hints
            let bar = h.render().lines[23]
            #expect(bar.hasSuffix("? help  q quit") || bar.contains("? help  q quit "), "\(width): \(bar)")
            #expect(!bar.contains("…"), "nothing cut mid-hint at \(width): \(bar)")
            if width >= 100 { #expect(bar.contains("Enter trace"), "the first of the pane's own stays at \(width): \(bar)") }
        }
    }

    @Test func flashMessagesShowThenExpireOnATick() throws {
        var h = Harness()
        h.send(.actionFinished("deleted write-docs"))
        #expect(h.render().lines[23].contains("deleted write-docs"))
        h.send(.ticked(CockpitFixtures.now.addingTimeInterval(CockpitState.flashSeconds + 1)))
        #expect(!h.render().lines[23].contains("deleted write-docs"))
    }

    /// An error outlives its time until the operator presses a key after it: one they looked
    /// away from is still there when they look back.
    @Test func anErrorStaysUntilAKeyAfterItsTime() throws {
        var h = Harness()
        h.send(.actionFailed("delete failed: forbidden"))
        #expect(h.render().lines[23].contains("delete failed: forbidden"))
        let x = try #require(h.render().column(of: "delete failed", row: 23))
        #expect(h.render()[x, 23].style == h.state.theme.style(.statusBarError))
        h.send(.terminal(.key(.down)))  // a key within its time keeps it
        #expect(h.render().lines[23].contains("delete failed: forbidden"))
        h.send(.ticked(CockpitFixtures.now.addingTimeInterval(CockpitState.flashSeconds + 60)))
        #expect(h.render().lines[23].contains("delete failed: forbidden"), "no key since: still shown")
        h.send(.terminal(.key(.down)))
        #expect(!h.render().lines[23].contains("delete failed"))
        h.send(.actionFinished("deleted write-docs"))
        #expect(h.render().lines[23].contains("deleted write-docs"))
    }
}
