@testable import CockpitUI
import FlightdeckCore
import FlightdeckTestSupport
import Foundation
import Testing

@Suite struct TimelinePaneTests {
    static func timeline(width: Int = 200, height: Int = 60) -> Harness {
        var h = Harness(width: width, height: height)
        h.select("j1")
        h.send(.timelineLoaded(jobID: "j1", spans: CockpitFixtures.spans(job: "j1"), markers: CockpitFixtures.markers(job: "j1")))
        h.focus(.timeline)
        // These tests read the lanes at 10 s a column (set by hand, which also stops the
        // scale from following the job).
        while h.state.timeline.secondsPerColumn > 10 { h.press(.character("+")) }
        while h.state.timeline.secondsPerColumn < 10 { h.press(.character("-")) }
        return h
    }

    /// Until + or - is pressed, the scale fits the selected job's run to the lanes' width.
    @Test func theScaleFitsTheSelectedJobsRun() throws {
        var h = Harness(width: 200, height: 60)
        h.select("j1")
        let start = CockpitFixtures.now.addingTimeInterval(-30)
        h.send(.timelineLoaded(jobID: "j1", spans: [PhaseSpan(jobID: "j1", phase: .strategic, start: start, end: start.addingTimeInterval(10)),
                                                    PhaseSpan(jobID: "j1", phase: .tactical, start: start.addingTimeInterval(10))],
                               markers: []))
        #expect(h.state.timeline.secondsPerColumn == 0.5, "a 30 s run at half a second a column")
        #expect(h.render().text.contains("Timeline │ 500ms/col │"))
        h.send(.timelineLoaded(jobID: "j1", spans: CockpitFixtures.spans(job: "j1"), markers: CockpitFixtures.markers(job: "j1")))
        let longRun = h.state.timeline.secondsPerColumn
        #expect(longRun > 10)
        h.focus(.timeline)
        h.press(.character("+"))
        #expect(!h.state.timeline.autoZoom)
        let chosen = h.state.timeline.secondsPerColumn
        h.send(.timelineLoaded(jobID: "j1", spans: [PhaseSpan(jobID: "j1", phase: .strategic, start: start)], markers: []))
        #expect(h.state.timeline.secondsPerColumn == chosen, "a hand-picked scale stays")
    }

    /// The lane row of `name` and the column where its time axis starts.
    static func lane(_ grid: CellGrid, _ name: String) throws -> (row: Int, x: Int) {
        let row = try #require(grid.lines.lastIndex { $0.contains(name) && ($0.contains("█") || $0.contains("#") || $0.contains("▒")) })
        return (row, try #require(grid.column(of: name, row: row)) - 1 + TimelinePane.labelWidth)
    }

    @Test func at200x60SpansAndMarkersShowOnTheSelectedJobsLane() throws {
        let h = Self.timeline()
        let grid = h.render()
        #expect(grid.text.contains("Timeline │ 10s/col │ █ STRATEGIC ▒ TACTICAL"))
        let (row, x) = try Self.lane(grid, "fix-login-bug")
        // Now is the right edge of 92 columns of 10 s: the tactical span (the last 600 s) fills the last 60.
        #expect(grid[x + 10, row].text == "█")
        #expect(grid[x + 40, row].text == "▒")
        #expect(grid[x + 72, row].text == "◆")  // checkpoint 200 s ago
        #expect(grid[x + 82, row].text == "↻")  // pod restart 100 s ago
        #expect(grid[x + 40, row].style.foreground == h.state.theme.style(.timelineTactical).foreground)
        // Neighbours get their own lanes, and the axis has clock labels.
        #expect(grid.text.contains("▶fix-login-bug"))
        #expect(grid.text.contains(" 日本語のタスク"))
        #expect(grid.text.contains("11:44:40"))
    }

    /// Jobs that appear next to the selected one get their lanes asked for, once.
    @Test func newNeighboursLanesAreAskedForOnce() throws {
        var h = Harness(width: 200, height: 60, jobs: Array(CockpitFixtures.jobs.prefix(1)))
        let newcomer = AgentJob(id: "n1", name: "newcomer", namespace: "agents", createdAt: CockpitFixtures.ago(5), status: .running)
        h.send(.jobsListed(Array(CockpitFixtures.jobs.prefix(1)) + [newcomer]))
        #expect(h.effects.contains { if case .loadTimeline(let ids) = $0 { ids.contains("n1") } else { false } })
        h.send(.jobsListed(Array(CockpitFixtures.jobs.prefix(1)) + [newcomer]))
        #expect(!h.effects.contains { if case .loadTimeline = $0 { true } else { false } }, "asked already")
        h.send(.timelineLoaded(jobID: "n1", spans: [], markers: []))
        #expect(h.state.timeline.lanes["n1"] != nil)
    }

    /// An agent whose clock runs ahead of the cockpit's (another node's, the demo's faster
    /// one) still has its spans in view: the view reaches its newest record.
    @Test func spansAheadOfOurClockStayInView() throws {
        var h = Harness(width: 200, height: 60)
        h.select("j1")
        let ahead = CockpitFixtures.now.addingTimeInterval(120)
        let spans = [PhaseSpan(jobID: "j1", phase: .tactical, start: ahead.addingTimeInterval(-60), end: ahead)]
        h.send(.timelineLoaded(jobID: "j1", spans: spans, markers: []))
        h.send(.tracePageLoaded(jobID: "j1", records: [TraceRecord(jobID: "j1", seq: 1, sourceID: "t:1", time: ahead,
            kind: .thought, phase: .tactical, text: "from the future")], total: 1))
        let grid = h.render()
        let (row, x) = try Self.lane(grid, "fix-login-bug")
        #expect(grid.lines[row].contains("▒"), "\(grid.lines[row])")
        #expect(grid[x + 90, row].text == "▒" || grid[x + 89, row].text == "▒")
    }

    @Test func zoomChangesTheScaleAndBringsOlderMarkersIntoView() throws {
        var h = Self.timeline()
        let before = h.render()
        #expect(!before.lines[try Self.lane(before, "fix-login-bug").row].contains("✖"))
        h.press(.character("-"))
        #expect(h.state.timeline.secondsPerColumn == 30)
        let grid = h.render()
        #expect(grid.text.contains("30s/col"))
        let (row, x) = try Self.lane(grid, "fix-login-bug")
        #expect(grid[x + 25, row].text == "✖")  // the failure 2,000 s ago
        h.press(.character("+"), .character("+"))
        #expect(h.state.timeline.secondsPerColumn == 5)
    }

    @Test func theCursorFollowsTheTraceAndTheTraceFollowsTheCursor() throws {
        var h = Self.timeline()
        h.send(.tracePageLoaded(jobID: "j1", records: CockpitFixtures.records(job: "j1", seq: 801...1000), total: 1000))
        let last = CockpitFixtures.record(job: "j1", seq: 1000)
        #expect(h.state.timeline.cursorTime == last.time)
        let grid = h.render()
        let (row, x) = try Self.lane(grid, "fix-login-bug")
        // 1,700 s ago is further back than half the width (460 s): the view centres on it.
        #expect(grid[x + 46, row].style == h.state.theme.style(.timelineCursor))
        h.press(.character("h"))
        #expect(h.state.trace.cursorRecord?.seq == 995)
        #expect(!h.state.trace.following)
        h.press(.character("l"), .character("l"))
        #expect(h.state.trace.cursorRecord?.seq == 1000)
        h.press(.pageUp)
        #expect(h.state.trace.cursorRecord?.seq == 955)
    }

    @Test func movingBetweenLanesMovesTheJobSelection() throws {
        var h = Self.timeline()
        h.press(.character("k"))
        #expect(h.state.jobs.selectedID == "j6")
        #expect(h.effects.contains { if case .loadTimeline = $0 { true } else { false } })
    }

    @Test func at80x24TheTimelineSharesTheBottomWithFiles() throws {
        var h = Self.timeline(width: 80, height: 24)
        var grid = h.render()
        #expect(grid.text.contains("Timeline"))
        #expect(!grid.text.contains("Files"))
        #expect(grid.text.contains("fix-login-bug"))
        h.press(.tab)
        grid = h.render()
        #expect(h.state.focus == .files)
        #expect(grid.text.contains("Files"))
        #expect(!grid.text.contains("Timeline"))
    }

    @Test func at20x6TheTimelineDrawsWithoutLabels() throws {
        let h = Self.timeline(width: 20, height: 6)
        let grid = h.render()
        #expect(grid.lines[0].contains("Timeline"))
        #expect(grid.text.contains("▒"))
        #expect(grid.lines.allSatisfy { DisplayWidth.of($0) == 20 })
    }

    @Test func runningJobsTimelinesAreRefreshedOnTicks() throws {
        var h = Self.timeline()
        func timelines(_ h: Harness) -> Int { h.effects.filter { if case .loadTimeline = $0 { true } else { false } }.count }
        h.send(.ticked(CockpitFixtures.now.addingTimeInterval(3)))
        #expect(h.effects.isEmpty)
        h.send(.ticked(CockpitFixtures.now.addingTimeInterval(11)))
        #expect(timelines(h) == 1)
    }
}
