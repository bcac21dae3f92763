@testable import CockpitUI
import FlightdeckCore
import FlightdeckTestSupport
import Testing

@Suite struct JobListPaneTests {
    @Test func at80x24TheListShowsStatusNamePhaseAgeRetriesAndWhy() throws {
        let h = Harness()
        let grid = h.render()
        #expect(grid.lines[0].contains("Jobs 7 by age-"))
        let header = try #require(grid.row(containing: "NAME"))
        #expect(grid.lines[header].contains("PHASE") && grid.lines[header].contains("AGE") && grid.lines[header].contains("RETRY"))
        // Newest first: deploy-🚀, refactor-db, 日本語のタスク, fix-login-bug, flaky-tests (rows after the header).
        let rows = Array(grid.lines[(header + 1)...(header + 4)])
        #expect(rows[0].contains("◑ deploy-🚀"))
        #expect(rows[1].contains("○ refactor-db") && rows[1].contains("0/3 nodes"))
        #expect(rows[2].contains("● 日本語のタスク") && rows[2].contains("STRATEGIC") && rows[2].contains("15m"))
        #expect(rows[3].contains("● fix-login-bug") && rows[3].contains("TACTICAL") && rows[3].contains("1h2m")
            && rows[3].contains("0/3") && rows[3].contains("k3s-node-1"))
    }

    @Test func at200x60EveryJobShowsWithSeparateNodeAndWhyColumns() throws {
        let h = Harness(width: 200, height: 60)
        let grid = h.render()
        let header = try #require(grid.row(containing: "NAME"))
        #expect(grid.lines[header].contains("NODE") && grid.lines[header].contains("WHY"))
        let failed = try #require(grid.row(containing: "flaky-tests"))
        #expect(grid.lines[failed].contains("✖ flaky-tests") && grid.lines[failed].contains("4/3")
            && grid.lines[failed].contains("k3s-node-1") && grid.lines[failed].contains("BackoffLimitExceeded"))
        let deleted = try #require(grid.row(containing: "old-task"))
        #expect(grid.lines[deleted].contains("✔ old-task"))
        // Deleted jobs stay, dimmed.
        let x = try #require(grid.column(of: "old-task", row: deleted))
        #expect(grid[x, deleted].style.attributes.contains(.dim))
        #expect(!grid[try #require(grid.column(of: "write-docs", row: grid.row(containing: "write-docs")!)), try #require(grid.row(containing: "write-docs"))]
            .style.attributes.contains(.dim))
    }

    @Test func at20x6TheFocusedListStillShowsWhatFits() throws {
        let h = Harness(width: 20, height: 6)
        let grid = h.render()
        #expect(grid.lines.count == 6)
        #expect(grid.lines[0].contains("Jobs"))
        #expect(grid.text.contains("deploy"))
        #expect(grid.lines.allSatisfy { DisplayWidth.of($0) == 20 })
    }

    @Test func wideNamesKeepTheColumnsAligned() throws {
        var jobs = CockpitFixtures.jobs
        jobs[0].name = "修正-ログイン-バグ-とても長い名前のジョブ-🚀🚀🚀"  // longer than the name column
        let h = Harness(jobs: jobs)
        let grid = h.render()
        let header = try #require(grid.row(containing: "NAME"))
        let phaseX = try #require(grid.column(of: "PHASE", row: header))
        let ageX = try #require(grid.column(of: "AGE", row: header))
        for y in (header + 1)..<(header + 5) {
            #expect(!grid[phaseX, y].isContinuation, "row \(y): \(grid.lines[y])")
            #expect(!grid[ageX, y].isContinuation)
        }
        let cjk = try #require(grid.row(containing: "修正"))
        #expect(grid[phaseX, cjk].text == "T")  // TACTICAL, right where the header says
        #expect(grid.lines[cjk].contains("…"))
        let japanese = try #require(grid.row(containing: "日本語"))
        #expect(grid[phaseX, japanese].text == "S")
    }

    @Test func sortKeysCycleAndReverse() throws {
        var h = Harness()
        h.press(.character("o"))
        #expect(h.state.jobs.sort == .name)
        #expect(h.state.jobs.visible.map(\.name).first == "日本語のタスク")  // descending by name
        h.press(.character("O"))
        #expect(h.state.jobs.visible.map(\.name).prefix(2) == ["deploy-🚀", "fix-login-bug"])
        #expect(h.render().lines[0].contains("by name+"))
        h.press(.character("o"))
        #expect(h.state.jobs.sort == .status)
        #expect(h.state.jobs.visible.first?.status == .failed)
    }

    @Test func statusAndTextFilters() throws {
        var h = Harness()
        h.press(.character("f"))
        #expect(h.state.jobs.statusFilter == .active)
        #expect(Set(h.state.jobs.visible.map(\.id)) == ["j1", "j2", "j6", "j7"])
        h.press(.character("f"), .character("f"), .character("f"), .character("f"))
        #expect(h.state.jobs.statusFilter == .failed)
        #expect(h.state.jobs.visible.map(\.id) == ["j4"])
        #expect(h.state.jobs.selectedID == "j4")
        #expect(h.render().lines[0].contains("Jobs 1/7"))
        h.press(.escape)
        #expect(h.state.jobs.visible.count == 7)

        h.press(.character("/"))
        h.type("login")
        #expect(h.state.jobs.visible.map(\.id) == ["j1"])
        #expect(h.render().lines[23].contains("filter jobs: login"))
        h.press(.enter)
        #expect(h.state.overlay == .none)
        #expect(h.state.jobs.textFilter == "login")
        h.press(.escape)
        #expect(h.state.jobs.textFilter.isEmpty)
    }

    @Test func selectingAJobAsksForItsTraceTimelineAndWorkspace() throws {
        var h = Harness()
        #expect(h.state.jobs.selectedID == "j7")
        h.press(.character("j"))
        #expect(h.state.jobs.selectedID == "j2")
        #expect(h.effects.contains(.loadTraceTail(jobID: "j2", count: TraceState.pageSize)))
        #expect(h.effects.contains(.loadWorkspace(jobID: "j2")))
        #expect(h.effects.contains { if case .loadTimeline(let ids) = $0 { ids.contains("j2") && ids.contains("j7") } else { false } })
        h.press(.character("G"))
        #expect(h.state.jobs.selectedID == "j5")
        h.press(.character("g"))
        #expect(h.state.jobs.selectedID == "j7")
        h.press(.pageDown)
        #expect(h.state.jobs.selectedIndex! > 1)
    }

    @Test func theSelectionStaysOnScreenInALongList() throws {
        let jobs = (1...50).map { AgentJob(id: "x\($0)", name: "job-\($0)", namespace: "a",
                                           createdAt: CockpitFixtures.ago(Double($0) * 60), status: .running) }
        var h = Harness(jobs: jobs)
        for _ in 0..<30 { h.press(.character("j")) }
        let grid = h.render()
        #expect(grid.text.contains("job-31"))
        let row = try #require(grid.row(containing: "job-31 "))
        #expect(grid[try #require(grid.column(of: "job-31", row: row)), row].style == h.state.theme.style(.jobListSelected))
    }

    @Test func jobsDeletedByTheClusterStayInTheNextSnapshot() throws {
        var h = Harness()
        var jobs = CockpitFixtures.jobs
        jobs[0].deletedAt = CockpitFixtures.now
        jobs[0].status = .deleted
        h.send(.jobsListed(jobs))
        let grid = h.render()
        let row = try #require(grid.row(containing: "fix-login-bug"))
        #expect(grid.lines[row].contains("⊘ fix-login-bug"))
    }
}
