@testable import CockpitUI
import FlightdeckCore
import FlightdeckTestSupport
import Foundation
import Testing

/// Clicks and the wheel, where the screen shows things: the rows a person clicks on are the
/// rows the job list drew.
@Suite struct MouseTests {
    func click(_ h: inout Harness, x: Int, y: Int) {
        h.send(.terminal(.mouse(MouseEvent(kind: .press, x: x, y: y))))
    }

    @Test func aClickOnAJobsRowSelectsThatJobAndFocusesTheList() throws {
        var h = Harness(width: 200, height: 60)
        h.focus(.trace)
        let target = try #require(h.state.jobs.visible.dropFirst(2).first)
        let screen = h.render()
        let y = try #require(screen.row(containing: target.name))
        click(&h, x: 10, y: y)
        #expect(h.state.focus == .jobs)
        #expect(h.state.jobs.selectedID == target.id)
        #expect(h.effects.contains { if case .loadTraceTail(target.id, _) = $0 { true } else { false } })
        // The header row and the border select nothing.
        let header = try #require(screen.row(containing: "NAME"))
        click(&h, x: 10, y: header)
        #expect(h.state.jobs.selectedID == target.id)
    }

    @Test func aClickFocusesThePaneUnderIt() throws {
        var h = Harness(width: 200, height: 60)
        for pane in [PaneID.timeline, .files, .trace, .jobs] {
            let rect = try #require(h.state.layout.panes[pane])
            click(&h, x: rect.x + rect.width / 2, y: rect.y + rect.height / 2)
            #expect(h.state.focus == pane)
        }
        // The status bar is no pane.
        click(&h, x: 5, y: 59)
        #expect(h.state.focus == .jobs)
    }

    @Test func theWheelScrollsThePaneUnderThePointer() throws {
        var h = Harness(width: 200, height: 60)
        h.loadTrace("j1", seq: 1...500)
        #expect(h.state.trace.following)
        let rect = try #require(h.state.layout.panes[.trace])
        let before = try #require(h.state.trace.cursorRecord?.seq)
        h.send(.terminal(.mouse(MouseEvent(kind: .wheelUp, x: rect.x + 5, y: rect.y + 5))))
        #expect(h.state.focus == .trace)
        #expect(!h.state.trace.following, "scrolling back pauses follow mode")
        #expect(h.state.trace.cursorRecord?.seq == before - 3)
        h.send(.terminal(.mouse(MouseEvent(kind: .wheelDown, x: rect.x + 5, y: rect.y + 5))))
        #expect(h.state.trace.cursorRecord?.seq == before)
    }

    @Test func overlaysTakeKeysOnly() throws {
        var h = Harness(width: 200, height: 60)
        h.press(.character("?"))
        let rect = try #require(h.state.layout.panes[.timeline])
        click(&h, x: rect.x + 3, y: rect.y + 3)
        #expect(h.state.focus == .jobs)
        #expect(h.state.overlay != .none)
    }
}
