@testable import CockpitUI
import FlightdeckCore
import FlightdeckTestSupport
import Foundation
import Testing

@Suite struct TracePaneTests {
    /// j1 selected with records 801...1000 loaded, the trace focused.
    static func tracing(width: Int = 80, height: Int = 24, seq: ClosedRange<Int64> = 801...1000, total: Int64? = nil) -> Harness {
        var h = Harness(width: width, height: height)
        h.loadTrace("j1", seq: seq, total: total)
        h.focus(.trace)
        return h
    }

    @Test func recordsAreDrawnByKindWithToolsExitCodesAndDurations() throws {
        let h = Self.tracing()
        let text = h.screen
        #expect(text.contains("Trace: fix-login-bug"))
        #expect(text.contains("follow"))
        #expect(text.contains("11:31:40 S ERROR TimeoutError: the dev server did not answer in 30s"))
        #expect(text.contains("11:31:38 T msg   checkpoint saved at step 999"))
        #expect(text.contains("11:31:36 T obs   exit 0 1.2s tests/test_login.py::test_session_1 PASSED"))
        #expect(text.contains("11:31:34 T act   execute {\"cmd\":\"pytest -q tests/test_login.py -k session\"}"))
        #expect(text.contains("think step 996: the login test"))
        let grid = h.render()
        let errorRow = try #require(grid.lines.lastIndex { $0.contains("TimeoutError") })
        let x = try #require(grid.column(of: "TimeoutError", row: errorRow))
        // The cursor's record (the last, in follow mode) has the selection background.
        #expect(grid[x, errorRow].style.background == h.state.theme.style(.traceSelected).background)
        #expect(grid[x, errorRow].style.foreground == h.state.theme.style(.traceError).foreground)
    }

    /// `:ctx` to a context with no jobs: the previous cluster's job trace does not stay on
    /// screen; the new list's first job is selected when there is one.
    @Test func anotherContextForgetsTheSelectedJob() throws {
        var h = Self.tracing(width: 160, height: 45)
        h.send(.contextInfo(context: "lab", cluster: "https://10.0.0.1:6443"))
        #expect(h.screen.contains("Trace: fix-login-bug"))
        h.send(.contextInfo(context: "other", cluster: "https://10.0.0.2:6443"), .jobsListed([]))
        #expect(!h.screen.contains("fix-login-bug"))
        #expect(!h.screen.contains("TimeoutError"))
        #expect(h.screen.contains("no job selected"))
        h.send(.contextInfo(context: "lab", cluster: "https://10.0.0.1:6443"), .jobsListed(CockpitFixtures.jobs))
        #expect(h.state.jobs.selectedID != nil)
        #expect(h.effects.contains { if case .loadTraceTail = $0 { true } else { false } })
    }

    @Test func at200x60TheTraceShowsManyRecordsAndFoldsLongObservations() throws {
        let h = Self.tracing(width: 200, height: 60)
        let grid = h.render()
        // seq 993 has nine lines of output: three shown, the rest folded.
        #expect(grid.text.contains("test_session_3 PASSED"))
        #expect(grid.text.contains("⋯ 6 more lines (z)"))
        #expect(!grid.text.contains("test_session_9"))
        #expect(grid.lines.filter { $0.contains("TimeoutError") }.count >= 4)
    }

    @Test func at20x6TheFocusedTraceShowsKindAndText() throws {
        let h = Self.tracing(width: 20, height: 6)
        let grid = h.render()
        #expect(grid.lines[0].contains("Trace"))
        #expect(grid.text.contains("E TimeoutError"))
        #expect(grid.lines.allSatisfy { DisplayWidth.of($0) == 20 })
    }

    @Test func unfoldingShowsTheWholeObservation() throws {
        var h = Self.tracing(width: 200, height: 60)
        let row = h.state.trace.rows.firstIndex { h.state.trace.source[$0].seq == 993 }!
        while h.state.trace.cursor > row { h.press(.character("k")) }
        h.press(.character("z"))
        #expect(h.render().text.contains("test_session_9 PASSED"))
        h.press(.enter)
        #expect(!h.render().text.contains("test_session_9 PASSED"))
    }

    @Test func timestampsToggleBetweenClockAndSinceTheJobStarted() throws {
        var h = Self.tracing()
        h.press(.character("t"))
        let text = h.screen
        #expect(text.contains("  +33:40 S ERROR TimeoutError"))
        #expect(text.contains("relative"))
    }

    @Test func wrapTogglesBetweenCutLinesAndWholeOnes() throws {
        var h = Self.tracing()
        #expect(h.screen.contains("the session cookie ex…"))
        #expect(!h.screen.contains("ires early"))
        h.press(.character("w"))
        #expect(h.screen.contains("ires early"))
        // Wrapped lines never run over the border.
        let grid = h.render()
        for y in 9..<16 { #expect(grid[79, y].text == "│", "row \(y): \(grid.lines[y])") }
    }

    @Test func pausedFollowCountsNewRecordsAndGResumes() throws {
        var h = Self.tracing()
        #expect(h.state.trace.following)
        h.press(.character("k"))
        #expect(!h.state.trace.following)
        h.send(.traceAppended(CockpitFixtures.records(job: "j1", seq: 1001...1003)))
        #expect(h.state.trace.newWhilePaused == 3)
        #expect(h.state.trace.cursorRecord?.seq == 999)
        let text = h.screen
        #expect(text.contains("▼ 3 new (G)"))
        #expect(text.contains("paused"))
        h.press(.character("G"))
        #expect(h.state.trace.following)
        #expect(h.state.trace.cursorRecord?.seq == 1003)
        #expect(!h.screen.contains("new (G)"))
        #expect(h.effects.isEmpty)  // the window already reaches the head: nothing to load
        // Following: new records move the cursor along.
        h.send(.traceAppended(CockpitFixtures.records(job: "j1", seq: 1004...1004)))
        #expect(h.state.trace.cursorRecord?.seq == 1004)
        #expect(h.state.trace.newWhilePaused == 0)
    }

    @Test func aGapInLiveRecordsWhileFollowingLoadsTheTailOnce() throws {
        var h = Self.tracing()
        let last = h.state.trace.records.last!.seq
        h.send(.traceAppended(CockpitFixtures.records(job: "j1", seq: (last + 5)...(last + 6))))
        #expect(h.effects == [.loadTraceTail(jobID: "j1", count: TraceState.pageSize)], "read what the feed could not hand over")
        #expect(h.state.trace.records.last?.seq == last, "nothing appended across the gap")
        h.send(.traceAppended(CockpitFixtures.records(job: "j1", seq: (last + 7)...(last + 7))))
        #expect(h.effects.isEmpty, "one load at a time")
        h.send(.tracePageLoaded(jobID: "j1", records: CockpitFixtures.records(job: "j1", seq: (last - 50)...(last + 7)),
            total: last + 7))
        #expect(h.state.trace.records.last?.seq == last + 7)
        #expect(h.state.trace.cursorRecord?.seq == last + 7)
    }

    @Test func liveRecordsOfOtherJobsDoNotTouchTheWindow() throws {
        var h = Self.tracing()
        h.send(.traceAppended(CockpitFixtures.records(job: "j6", seq: 1...5)))
        #expect(h.state.trace.records.count == 200)
        #expect(h.state.trace.recent["j6"]?.count == 5)
    }

    @Test func searchJumpsWithContextHighlightsAndStepsWithNAndShiftN() throws {
        var h = Self.tracing()
        h.press(.character("/"))
        h.type("needle")
        #expect(h.screen.contains("/needle"))
        h.press(.enter)
        #expect(h.state.trace.query == "needle")
        // Following, a search finds the newest match first.
        #expect(h.state.trace.cursorRecord?.seq == 991)
        #expect(!h.state.trace.following)
        let grid = h.render()
        let row = try #require(grid.row(containing: "step 991: look for the needle"))
        let x = try #require(grid.column(of: "needle", row: row))
        #expect(grid[x, row].style == h.state.theme.style(.traceSearchMatch))
        #expect(grid[x + 5, row].style == h.state.theme.style(.traceSearchMatch))
        #expect(grid[x + 6, row].style != h.state.theme.style(.traceSearchMatch))
        // Context: the two records before the match are still on screen above it.
        #expect(grid.lines[row - 1].contains("TimeoutError"))
        #expect(grid.lines[row - 2].contains("checkpoint saved at step 989"))
        h.press(.character("N"))
        #expect(h.state.trace.cursorRecord?.seq == 981)
        h.press(.character("n"))
        #expect(h.state.trace.cursorRecord?.seq == 991)
        h.press(.escape)
        #expect(h.state.trace.query == nil)
    }

    /// The window holds 200 records of 1,000: n/N past its edges ask the store, and a match
    /// found there is paged in with the cursor on it.
    @Test func searchGoesOnInTheStorePastTheWindow() throws {
        var h = Self.tracing()
        h.press(.character("/"))
        h.type("needle")
        h.press(.enter)
        #expect(h.state.trace.cursorRecord?.seq == 991)
        // Back past the window's first record (801): the store is asked from there.
        for _ in 0..<19 { h.press(.character("N")) }
        #expect(h.state.trace.cursorRecord?.seq == 801)
        h.press(.character("N"))
        #expect(h.effects.contains(.searchTrace(jobID: "j1", query: "needle", from: 801, forward: false)))
        h.send(.traceSearchResult(jobID: "j1", query: "needle", seq: 791))
        #expect(h.effects.contains(.loadTrace(jobID: "j1", seq: 691...891)))
        h.send(.tracePageLoaded(jobID: "j1", records: CockpitFixtures.records(job: "j1", seq: 691...891), total: 1000))
        #expect(h.state.trace.cursorRecord?.seq == 791)
        #expect(h.screen.contains("step 791: look for the needle"))

        // Forward past the end of the trace: the search wraps to its start, in the store.
        h.press(.escape, .character("G"))
        h.press(.character("/"))
        h.type("needle")
        h.press(.enter)
        #expect(h.state.trace.cursorRecord?.seq == 991)
        h.press(.character("n"))
        #expect(h.effects.contains(.searchTrace(jobID: "j1", query: "needle", from: 0, forward: true)))
        h.send(.traceSearchResult(jobID: "j1", query: "needle", seq: 1))
        #expect(h.effects.contains(.loadTrace(jobID: "j1", seq: 1...101)))
        h.send(.tracePageLoaded(jobID: "j1", records: CockpitFixtures.records(job: "j1", seq: 1...101), total: 1000))
        #expect(h.state.trace.cursorRecord?.seq == 1)

        // A stale answer (another query) is ignored; no match anywhere says so, once.
        h.press(.escape, .character("/"))
        h.type("no such thing")
        h.press(.enter)
        #expect(h.effects.contains(.searchTrace(jobID: "j1", query: "no such thing", from: 101, forward: true)))
        h.send(.traceSearchResult(jobID: "j1", query: "needle", seq: 11))
        #expect(h.state.trace.cursorRecord?.seq == 1)
        h.send(.traceSearchResult(jobID: "j1", query: "no such thing", seq: nil))
        #expect(h.effects.contains(.searchTrace(jobID: "j1", query: "no such thing", from: 0, forward: true)))
        h.send(.traceSearchResult(jobID: "j1", query: "no such thing", seq: nil))
        #expect(h.screen.contains("no match for \"no such thing\""))
        #expect(h.effects.isEmpty)
    }

    @Test func filtersByKindAndPhase() throws {
        var h = Self.tracing()
        h.press(.character("1"), .character("3"))
        let kinds = Set(h.state.trace.rows.map { h.state.trace.source[$0].kind })
        #expect(kinds == [.action, .message, .error])
        #expect(h.screen.contains("kinds:act,msg,error"))
        h.press(.character("0"), .character("F"))
        #expect(h.state.trace.rows.allSatisfy { h.state.trace.source[$0].phase == .strategic })
        #expect(h.screen.contains("phase:STRATEGIC"))
        h.press(.character("F"))
        #expect(h.state.trace.rows.allSatisfy { h.state.trace.source[$0].phase == .tactical })
        h.press(.character("0"))
        #expect(h.state.trace.rows.count == 200)
        h.press(.character(":"))
        h.type("filter kind=error phase=TACTICAL")
        h.press(.enter)
        #expect(h.state.trace.rows.allSatisfy {
            h.state.trace.source[$0].kind == .error && h.state.trace.source[$0].phase == .tactical })
        #expect(!h.state.trace.rows.isEmpty)
    }

    @Test func scrollingPastTheWindowPagesFromTheStoreOneAtATime() throws {
        var h = Self.tracing()
        var requests: [ClosedRange<Int64>] = []
        for _ in 0..<199 {
            h.press(.character("k"))
            for case .loadTrace(_, let seq) in h.effects { requests.append(seq) }
        }
        #expect(requests == [601...800])
        let cursorSeq = h.state.trace.cursorRecord!.seq
        h.send(.tracePageLoaded(jobID: "j1", records: CockpitFixtures.records(job: "j1", seq: 601...800), total: 1000))
        #expect(h.state.trace.records.count == 400)
        #expect(h.state.trace.cursorRecord?.seq == cursorSeq)
        #expect(h.state.trace.pendingPage == nil)
    }

    @Test func theWindowStaysBoundedAndFollowReloadsTheTail() throws {
        var h = Self.tracing(seq: 4801...5000, total: 5000)
        var pages = 0
        while pages < 14 {
            h.press(.pageUp)
            for case .loadTrace(let job, let seq) in h.effects {
                pages += 1
                h.send(.tracePageLoaded(jobID: job, records: CockpitFixtures.records(job: job, seq: seq), total: 5000))
                #expect(h.state.trace.records.count <= TraceState.windowLimit)
            }
        }
        #expect(h.state.trace.records.count == TraceState.windowLimit)
        #expect(h.state.trace.records.last!.seq < 5000)  // the newest were dropped, away from the cursor
        #expect(h.state.trace.records.first!.seq == 5000 - 200 * 15 + 1)
        // Scrolling down again asks for what was dropped.
        h.press(.character("G"))
        #expect(h.effects == [.loadTraceTail(jobID: "j1", count: TraceState.pageSize)])
        h.send(.tracePageLoaded(jobID: "j1", records: CockpitFixtures.records(job: "j1", seq: 4801...5000), total: 5000))
        #expect(h.state.trace.cursorRecord?.seq == 5000)
        #expect(h.state.trace.records.count <= TraceState.windowLimit)
    }

    @Test func goingToTheTopLoadsTheStartOfTheTrace() throws {
        var h = Self.tracing()
        h.press(.character("g"))
        #expect(h.effects.contains(.loadTrace(jobID: "j1", seq: 1...200)))
        h.send(.tracePageLoaded(jobID: "j1", records: CockpitFixtures.records(job: "j1", seq: 1...200), total: 1000))
        #expect(h.state.trace.cursorRecord?.seq == 1)
        #expect(h.state.trace.records.first?.seq == 1)
    }

    @Test func pagesForAnotherJobAreIgnored() throws {
        var h = Self.tracing()
        h.send(.tracePageLoaded(jobID: "j6", records: CockpitFixtures.records(job: "j6", seq: 1...10), total: 10))
        #expect(h.state.trace.records.allSatisfy { $0.jobID == "j1" })
    }

    @Test func markedJobsInterleaveOnOneClock() throws {
        var h = Harness(width: 120, height: 30)
        h.send(.traceAppended(CockpitFixtures.records(job: "j6", seq: 1...20)))
        let start = CockpitFixtures.ago(3_699)  // one second after j6's: the two alternate
        h.send(.traceAppended((1...20).map { CockpitFixtures.record(job: "j1", seq: $0, start: start) }))
        h.select("j6")
        h.press(.character(" "))
        h.select("j1")
        h.press(.character(" "))
        h.focus(.trace)
        h.press(.character("i"))
        let trace = h.state.trace
        #expect(trace.interleaved)
        #expect(Set(trace.source.map(\.jobID)) == ["j1", "j6"])
        #expect(zip(trace.source, trace.source.dropFirst()).allSatisfy { $0.time <= $1.time })
        let text = h.screen
        #expect(text.contains("2 jobs interleaved"))
        #expect(text.contains("S fix-login-b… ERROR TimeoutError"))
        #expect(text.contains("S 日本語のタ…  ERROR TimeoutError"))
    }

    @Test func wideGlyphsInAgentTextKeepTheBodyColumnAligned() throws {
        var h = Harness()
        h.select("j1")
        let base = CockpitFixtures.record(job: "j1", seq: 1)
        var records: [TraceRecord] = []
        for (index, text) in ["ascii text here", "日本語のテキストです、とても長い行がここに続きますので切られます日本語日本語日本語",
                              "emoji 🚀🔥 rocket", "mixed 中文 and ascii"].enumerated() {
            var record = base
            record.seq = Int64(index + 1)
            record.kind = .thought
            record.text = text
            records.append(record)
        }
        h.send(.tracePageLoaded(jobID: "j1", records: records, total: 4))
        let grid = h.render()
        let firstRow = try #require(grid.row(containing: "ascii text here"))
        let bodyX = try #require(grid.column(of: "ascii", row: firstRow))
        for (row, start) in [(try #require(grid.row(containing: "日本語のテキスト")), "日"), (try #require(grid.row(containing: "rocket")), "e"),
                             (try #require(grid.row(containing: "中文")), "m")] {
            #expect(grid[bodyX, row].text == start, "row \(row): \(grid.lines[row])")
            #expect(grid[79, row].text == "│")
            #expect(DisplayWidth.of(grid.lines[row]) == 80)
        }
    }

    @Test func controlCharactersNeverReachTheGrid() throws {
        var h = Harness()
        h.select("j1")
        var record = CockpitFixtures.record(job: "j1", seq: 1)
        record.text = "\u{1B}[2J\u{1B}]52;c;bad\u{07} hidden\u{202E}txet\u{9B}31m and\u{0}nul\ttab\rcr"
        record.tool = "ex\u{1B}ec"
        h.send(.tracePageLoaded(jobID: "j1", records: [record], total: 1))
        let grid = h.render()
        for cell in grid.cells {
            for scalar in cell.text.unicodeScalars {
                #expect(scalar.value >= 0x20 && !(0x7F...0x9F).contains(scalar.value) && scalar.value != 0x202E,
                        "control U+\(String(scalar.value, radix: 16)) in the grid")
            }
        }
        #expect(grid.text.contains("\u{FFFD}[2J"))
    }
}
