@testable import CockpitUI
import FlightdeckCore
import FlightdeckTestSupport
import Foundation
import Testing

@Suite struct WorkspacePaneTests {
    static func files(width: Int = 200, height: Int = 60, source: WorkspaceListing.Source = .volume) -> Harness {
        var h = Harness(width: width, height: height)
        h.select("j1")
        h.send(.workspaceListed(jobID: "j1", listing: WorkspaceListing(
            entries: CockpitFixtures.workspace, source: source,
            checkpoint: .init(size: 1_200_000, modified: CockpitFixtures.ago(90)))))
        h.focus(.files)
        return h
    }

    @Test func at200x60TheTreeShowsSizesAgesAndTheCheckpoint() throws {
        let h = Self.files()
        let grid = h.render()
        let text = grid.text
        #expect(text.contains("volume │ 7 entries │ checkpoint 1.2 MB, 1m old"))
        let order = ["README.md", "src/", "auth.py", "session.py", "tests/", "test_login.py", "メモ.txt"]
        let rows = try order.map { name in try #require(grid.lines.lastIndex { $0.contains(name) }) }
        #expect(rows == rows.sorted())
        #expect(grid.lines[rows[2]].contains("  auth.py"))  // indented under src/
        #expect(grid.lines[rows[2]].contains("12 KB 1m"))
        #expect(grid.lines[rows[0]].contains("980 B 1d"))
        // The selected entry (README.md, the first) is highlighted.
        let x = try #require(grid.column(of: "README.md", row: rows[0]))
        #expect(grid[x, rows[0]].style.background == h.state.theme.style(.filesSelected).background)
    }

    @Test func aTreeFromOldEventsIsMarkedStale() throws {
        let h = Self.files(source: .events(asOf: CockpitFixtures.ago(600)))
        let text = h.screen
        #expect(text.contains("STALE from events 10m ago"))
        let fresh = Self.files(source: .events(asOf: CockpitFixtures.ago(30)))
        #expect(fresh.screen.contains("from events 30s ago"))
        #expect(!fresh.screen.contains("STALE"))
        // Neither the volume nor any event: said so, not "STALE from events 739950d ago".
        let none = Self.files(source: .nothingSeen)
        #expect(none.screen.contains("no files seen yet"))
        #expect(!none.screen.contains("STALE") && !none.screen.contains("from events"))
    }

    @Test func enterPreviewsTheSelectedFileSanitisedAndCut() throws {
        var h = Self.files()
        h.press(.character("j"), .character("j"))
        #expect(h.state.workspace.selectedEntry?.path == "src/auth.py")
        h.press(.enter)
        #expect(h.effects == [.loadFilePreview(jobID: "j1", path: "src/auth.py")])
        h.send(.filePreviewLoaded(jobID: "j1", path: "src/auth.py", text: "def login():\n    return \u{1B}[31mTrue\u{07}\n", truncated: true))
        let text = h.screen
        #expect(text.contains("def login():"))
        #expect(text.contains("    return \u{FFFD}[31mTrue\u{FFFD}"))
        #expect(text.contains("(preview cut)"))
        #expect(text.contains("Files │ src/auth.py"))
        // Directories are not previewed.
        h.press(.character("k"))
        h.press(.enter)
        #expect(h.effects.isEmpty)
    }

    @Test func previewsAreBoundedWhateverTheRuntimeSends() throws {
        var h = Self.files()
        let huge = String(repeating: "x", count: 100) + String(repeating: "\nline", count: 50_000)
        h.send(.filePreviewLoaded(jobID: "j1", path: "README.md", text: huge, truncated: false))
        let preview = h.state.workspace.preview!
        #expect(preview.truncated)
        #expect(preview.lines.reduce(0) { $0 + $1.count } <= WorkspaceState.previewLimit)
    }

    @Test func listingsForAnotherJobAreIgnoredAndRefreshAsksAgain() throws {
        var h = Self.files()
        h.send(.workspaceListed(jobID: "j6", listing: WorkspaceListing(entries: [], source: .volume)))
        #expect(h.state.workspace.entries.count == 7)
        h.press(.character("r"))
        #expect(h.effects == [.loadWorkspace(jobID: "j1")])
    }

    @Test func at80x24AndAt20x6TheFilesPaneFits() throws {
        let medium = Self.files(width: 80, height: 24)
        let grid = medium.render()
        #expect(grid.text.contains("Files │ README.md"))
        #expect(grid.text.contains("README.md"))
        let tiny = Self.files(width: 20, height: 6)
        let small = tiny.render()
        #expect(small.lines[0].contains("Files"))
        #expect(small.lines.allSatisfy { DisplayWidth.of($0) == 20 })
    }

    /// Regression: the Files pane listed a workspace once, when its job was selected, so a
    /// running agent's files never showed until the operator pressed a key.
    @Test func aRunningJobsWorkspaceIsListedAgainEveryFewSecondsAndOnceWhenItStops() throws {
        func asked(_ h: Harness, _ id: String) -> Bool {
            h.effects.contains { if case .loadWorkspace(let job) = $0 { job == id } else { false } }
        }
        var h = Harness(width: 200, height: 60)
        h.select("j1")  // running
        let start = h.state.now
        h.send(.ticked(start.addingTimeInterval(1)))
        #expect(!asked(h, "j1"), "not before workspaceRefreshSeconds")
        h.send(.ticked(start.addingTimeInterval(CockpitState.workspaceRefreshSeconds + 0.5)))
        #expect(asked(h, "j1"))
        h.send(.ticked(start.addingTimeInterval(CockpitState.workspaceRefreshSeconds + 1.5)))
        #expect(!asked(h, "j1"), "once per period")
        // It finishes: listed once more, then left alone.
        var jobs = CockpitFixtures.jobs
        jobs[0].status = .succeeded
        h.send(.jobsListed(jobs))
        h.send(.ticked(start.addingTimeInterval(CockpitState.workspaceRefreshSeconds + 2)))
        #expect(asked(h, "j1"), "the final state of the workspace")
        for second in 3..<30 {
            h.send(.ticked(start.addingTimeInterval(CockpitState.workspaceRefreshSeconds + Double(second))))
            #expect(!asked(h, "j1"), "a finished job's workspace is not listed again and again")
        }
        // A finished job selected is listed once, on selection only.
        h.select("j3")
        #expect(asked(h, "j3"))
        h.send(.ticked(start.addingTimeInterval(100)))
        #expect(!asked(h, "j3"))
    }

    /// Regression: in `flightdeck demo` the job selected at start showed "no files seen yet"
    /// until another job was selected and back: its volume appeared after the first look.
    @Test func aMovingJobWhoseVolumeIsNotSeenYetIsLookedForEverySecond() throws {
        func asked(_ h: Harness, _ id: String) -> Bool {
            h.effects.contains { if case .loadWorkspace(let job) = $0 { job == id } else { false } }
        }
        var h = Harness(width: 200, height: 60)
        h.select("j1")  // running
        let start = h.state.now
        h.send(.workspaceListed(jobID: "j1", listing: WorkspaceListing(entries: [], source: .nothingSeen)))
        h.send(.ticked(start.addingTimeInterval(CockpitState.workspaceFirstLookSeconds + 0.1)))
        #expect(asked(h, "j1"), "looked for again within a second")
        h.send(.workspaceListed(jobID: "j1", listing: WorkspaceListing(
            entries: [WorkspaceEntry(path: "README.md", kind: .file, size: 3, modified: nil)], source: .volume)))
        h.send(.ticked(start.addingTimeInterval(CockpitState.workspaceFirstLookSeconds * 2 + 0.2)))
        #expect(!asked(h, "j1"), "once seen, at the running pace")
        #expect(h.render().text.contains("README.md"))
    }
}
