@testable import CockpitUI
import FlightdeckCore
import FlightdeckTestSupport
import Foundation
import Testing

/// Tokens and cost in the cockpit: the jobs pane's TOKENS and COST columns (once a job reported
/// tokens, where the width allows), the over-budget mark and reason, the status bar's words for
/// the selected job, and how often the runtime is asked to read them.
@Suite struct UsageTests {
    static let ids = CockpitFixtures.jobs.map(\.id).sorted()

    /// fix-login-bug priced, 日本語のタスク unpriced, write-docs over its token budget; the
    /// others reported nothing.
    static let usage: [String: JobUsage] = [
        "j1": JobUsage(inputTokens: 12_000, outputTokens: 300, knownCost: Decimal(string: "0.42")!, currency: "USD"),
        "j6": JobUsage(inputTokens: 500, outputTokens: 20, unpriced: true, currency: "USD"),
        "j3": JobUsage(inputTokens: 118_000, outputTokens: 2_000, knownCost: Decimal(string: "1.2")!, currency: "USD",
            budget: TaskBudget(tokens: 100_000, cost: 5)),
    ]

    static func harness(width: Int = 80, height: Int = 24, glyphs: GlyphSet = .unicode,
        usage: [String: JobUsage] = Self.usage) -> Harness
    {
        var h = Harness(width: width, height: height, glyphs: glyphs)
        h.send(.usageLoaded(jobIDs: ids, usage: usage))
        return h
    }

    @Test func aListingAsksForEveryJobsUsageAndWithoutAnyTheColumnsAreAsBefore() throws {
        var h = Harness()
        #expect(h.allEffects.filter { if case .loadUsage = $0 { true } else { false } } == [.loadUsage(jobIDs: Self.ids)])
        let before = h.render()
        let header = try #require(before.row(containing: "NAME"))
        #expect(!before.lines[header].contains("TOKENS") && !before.lines[header].contains("COST"))
        h.send(.usageLoaded(jobIDs: Self.ids, usage: [:]))
        #expect(h.render() == before, "nothing reported: nothing changes")
    }

    @Test func at80x24ThePaneShowsTokensAndCostInTheirColumns() throws {
        let h = Self.harness()
        let grid = h.render()
        let header = try #require(grid.row(containing: "NAME"))
        #expect(grid.lines[header].contains("RETRY TOKENS COST    NODE / WHY"), "\(grid.lines[header])")
        let tokensX = try #require(grid.column(of: "TOKENS", row: header))
        let costX = try #require(grid.column(of: "COST", row: header))
        let priced = try #require(grid.row(containing: "fix-login-bug"))
        #expect(grid.column(of: "12.3k", row: priced) == tokensX && grid.column(of: "$0.42", row: priced) == costX,
            "\(grid.lines[priced])")
        let unpriced = try #require(grid.row(containing: "日本語のタスク"))
        #expect(grid.column(of: "520", row: unpriced) == tokensX && grid[costX, unpriced].text == "?", "\(grid.lines[unpriced])")
        let quiet = try #require(grid.row(containing: "refactor-db"))
        #expect(grid[tokensX, quiet].text == "-" && grid[costX, quiet].text == "-")
        // A pending job's own reason keeps the node/why column.
        #expect(grid.lines[quiet].contains("0/3 nodes"))
        #expect(grid.lines.allSatisfy { DisplayWidth.of($0) == 80 })
    }

    @Test func wideNamesKeepTheUsageColumnsAligned() throws {
        var jobs = CockpitFixtures.jobs
        jobs[0].name = "修正-ログイン-バグ-とても長い名前のジョブ-🚀🚀🚀"  // longer than the name column
        var h = Harness(jobs: jobs)
        h.send(.usageLoaded(jobIDs: Self.ids, usage: Self.usage))
        let grid = h.render()
        let header = try #require(grid.row(containing: "NAME"))
        let tokensX = try #require(grid.column(of: "TOKENS", row: header))
        let row = try #require(grid.row(containing: "修正"))
        #expect(grid.column(of: "12.3k", row: row) == tokensX && !grid[tokensX, row].isContinuation, "\(grid.lines[row])")
    }

    /// Narrower panes drop COST first, then TOKENS, keeping the name readable.
    @Test func narrowPanesDropCostThenTokens() throws {
        let cases: [(width: Int, tokens: Bool, cost: Bool)] = [(80, true, true), (72, true, true), (64, true, false),
            (60, false, false), (30, false, false)]
        for (width, tokens, cost) in cases {
            let h = Self.harness(width: width, height: 24)
            let grid = h.render()
            let header = try #require(grid.row(containing: "NAME"), "\(width)")
            #expect(grid.lines[header].contains("TOKENS") == tokens, "\(width): \(grid.lines[header])")
            #expect(grid.lines[header].contains("COST") == cost, "\(width): \(grid.lines[header])")
            #expect(grid.text.contains("fix-login"), "\(width): the names stay")
            #expect(grid.lines.allSatisfy { DisplayWidth.of($0) == width })
        }
    }

    @Test func aJobOverItsBudgetIsMarkedAndSaysWhy() throws {
        let h = Self.harness(width: 200, height: 60)
        let grid = h.render()
        #expect(grid.lines[0].contains("Jobs 7 by age- 1 over budget"), "\(grid.lines[0])")
        let header = try #require(grid.row(containing: "NAME"))
        #expect(grid.lines[header].contains("TOKENS COST    NODE") && grid.lines[header].contains("WHY"), "\(grid.lines[header])")
        let over = try #require(grid.row(containing: "write-docs"))
        let line = grid.lines[over]
        // WHY is 12 columns here: the reason is said short ("over 120k/100k tokens"), and cut.
        #expect(line.contains("!✔ write-docs") && line.contains("120k") && line.contains("$1.20") && line.contains("over 120k/1"),
            "\(line)")
        let style = h.state.theme.style(.jobListOverBudget)
        let bang = try #require(grid.column(of: "!", row: over))
        #expect(grid[bang, over].style == style)
        #expect(grid[try #require(grid.column(of: "120k", row: over)), over].style == style, "the crossed budget's cell")
        #expect(grid[try #require(grid.column(of: "$1.20", row: over)), over].style != style, "the cost is within its budget")
        #expect(grid[try #require(grid.column(of: "over 120k", row: over)), over].style == style)
        // Within budget, or no budget: no mark.
        let priced = try #require(grid.row(containing: "fix-login-bug"))
        #expect(!grid.lines[priced].contains("!") && !grid.lines[priced].contains("over budget"))

        // Narrow: the reason takes the node column, as a pending job's does.
        let narrow = Self.harness(height: 40).render()
        let row = try #require(narrow.row(containing: "write-docs"))
        #expect(narrow.lines[row].contains("!✔ write-docs") && narrow.lines[row].contains("over 120k/1"), "\(narrow.lines[row])")
        // Wide enough, the whole sentence.
        let wide = Self.harness(width: 280, height: 60).render()
        let whole = try #require(wide.row(containing: "write-docs"))
        #expect(wide.lines[whole].contains("over budget: 120k/100k tokens"), "\(wide.lines[whole])")
    }

    /// A Pending or Failed job's own reason says more than its budget; the mark still shows.
    @Test func aFailedJobsReasonComesBeforeItsBudget() throws {
        var usage = Self.usage
        usage["j4"] = JobUsage(inputTokens: 50, outputTokens: 0, currency: "USD", budget: TaskBudget(tokens: 10))
        let grid = Self.harness(width: 200, height: 60, usage: usage).render()
        let failed = try #require(grid.row(containing: "flaky-tests"))
        #expect(grid.lines[failed].contains("!✖ flaky-tests"), "\(grid.lines[failed])")
        #expect(grid.lines[failed].contains("BackoffLimi"), "\(grid.lines[failed])")
        #expect(!grid.lines[failed].contains("over"), "\(grid.lines[failed])")
        #expect(grid.lines[0].contains("2 over budget"))
    }

    @Test func theStatusBarShowsTheSelectedJobsTokensAndCost() throws {
        var h = Self.harness(width: 120, height: 30)
        h.select("j1")
        var grid = h.render()
        var bar = grid.lines[29]
        #expect(bar.contains(" 12.3k tokens $0.42 "), "\(bar)")
        #expect(grid[try #require(grid.column(of: "12.3k tokens", row: 29)), 29].style == h.state.theme.style(.statusBarUsage))
        h.select("j6")
        #expect(h.render().lines[29].contains(" 520 tokens unpriced "))
        h.select("j3")
        grid = h.render()
        bar = grid.lines[29]
        #expect(bar.contains(" ! over budget: 120k/100k tokens $1.20/$5.00 "), "\(bar)")
        #expect(grid[try #require(grid.column(of: "over budget", row: 29)), 29].style == h.state.theme.style(.statusBarOverBudget))
        #expect(bar.contains("? help") && bar.contains("q quit"))
        h.select("j2")
        #expect(!h.render().lines[29].contains("tokens"), "no tokens reported: nothing said")

        // Narrower: the words shrink, then go, before the help and quit hints would.
        h.select("j3")
        h.send(.contextInfo(context: "a-long-context-name", cluster: "https://k3s.lab:6443"))
        h.send(.terminal(.resized(width: 115, height: 30)))
        bar = h.render().lines[29]
        #expect(bar.contains(" ! over budget: 120k/100k tokens ") && !bar.contains("$1.20") && bar.contains("q quit"), "\(bar)")
        h.send(.terminal(.resized(width: 100, height: 30)))
        bar = h.render().lines[29]
        #expect(!bar.contains("over budget") && bar.contains("q quit"), "\(bar)")
    }

    @Test func withoutUTF8CurrenciesAreCodesAndTheMarkIsASCII() throws {
        let usage = ["j1": JobUsage(inputTokens: 1_000, outputTokens: 0, knownCost: 2, currency: "EUR", budget: TaskBudget(cost: 1))]
        var h = Self.harness(width: 200, height: 60, glyphs: .ascii, usage: usage)
        h.select("j1")
        let grid = h.render()
        let row = try #require(grid.lines.firstIndex { $0.hasPrefix("|") && $0.contains("fix-login-bug") })
        #expect(grid.lines[row].contains("2.00 E~") && grid.lines[row].contains("over 2.00 E"), "\(grid.lines[row])")
        #expect(grid.lines[row].hasPrefix("|!* fix-login-bug"), "\(grid.lines[row])")
        #expect(grid.lines[59].contains("! over budget: 1k tokens 2.00 EUR/1.00 EUR"), "\(grid.lines[59])")
        #expect(grid.lines.allSatisfy { $0.allSatisfy(\.isASCII) })
    }

    /// Live records with `usage` are read together a second after the first, one read at a
    /// time, never per record; a lost read is asked again after `usageAnswerSeconds`.
    @Test func liveUsageIsReadOncePerSecondOneReadAtATime() throws {
        var h = Self.harness()
        func reads() -> [[String]] { h.effects.compactMap { if case .loadUsage(let ids) = $0 { ids } else { nil } } }
        func record(_ job: String, usage: Bool) -> TraceRecord {
            TraceRecord(jobID: job, sourceID: UUID().uuidString, time: CockpitFixtures.now, kind: .thought, text: "t",
                usage: usage ? TokenUsage(inputTokens: 10, outputTokens: 1, model: "m") : nil)
        }
        var now = CockpitFixtures.now
        func tick(_ seconds: TimeInterval) {
            now = now.addingTimeInterval(seconds)
            h.send(.ticked(now))
        }
        h.send(.traceAppended([record("j1", usage: true), record("j3", usage: false)]))
        h.send(.traceAppended([record("j1", usage: true), record("j6", usage: true)]))
        #expect(reads().isEmpty, "not per record")
        #expect(h.state.nextTick <= now.addingTimeInterval(CockpitState.usageCoalesceSeconds))
        tick(0.5)
        #expect(reads().isEmpty)
        tick(0.5)
        #expect(reads() == [["j1", "j6"]])
        tick(1)
        #expect(reads().isEmpty, "nothing new")

        // While a read is in flight, more records wait for its answer.
        h.send(.traceAppended([record("j2", usage: true)]))
        tick(1)
        tick(1)
        #expect(reads().isEmpty)
        h.send(.usageLoaded(jobIDs: ["j1", "j6"], usage: ["j1": JobUsage(inputTokens: 99_000, outputTokens: 0)]))
        #expect(h.state.usage["j1"]?.totalTokens == 99_000 && h.state.usage["j6"] == nil, "an absent job reported none")
        tick(1)
        #expect(reads() == [["j2"]])

        // An answer that never comes (the store failed it) is given up after a while.
        h.send(.traceAppended([record("j4", usage: true)]))
        tick(CockpitState.usageAnswerSeconds - 2)
        #expect(reads().isEmpty)
        let due = h.state.nextTick
        #expect(due <= now.addingTimeInterval(2), "the loop wakes for it")
        tick(2)
        #expect(reads() == [["j4"]])

        // An idle cockpit stays idle.
        h.send(.usageLoaded(jobIDs: ["j4"], usage: [:]))
        #expect(h.state.usageRequestDue == nil)
    }

    @Test func aJobGoneFromHistoryLosesItsUsageAndARelistForgetsOthers() {
        var h = Self.harness()
        h.send(.jobsUpdated(ids: ["j1"], jobs: []))
        #expect(h.state.usage["j1"] == nil && h.state.usage["j3"] != nil)
        h.send(.jobsListed(CockpitFixtures.jobs.filter { $0.id != "j3" }))
        #expect(h.state.usage["j3"] == nil && h.state.usage["j6"] != nil)
    }

    @Test func theCachedFrameRedrawsWhenUsageArrives() {
        var h = Harness(width: 200, height: 60)
        var cache = FrameCache()
        _ = Cockpit.render(h.state, width: 200, height: 60, cache: &cache)
        h.send(.usageLoaded(jobIDs: Self.ids, usage: Self.usage))
        let cached = Cockpit.render(h.state, width: 200, height: 60, cache: &cache)
        #expect(cached == Cockpit.render(h.state, width: 200, height: 60))
        #expect(cache.drawn.contains(.jobs))
    }

    /// The new-task form's budget fields, after the priority, go into the draft as typed (the
    /// runtime checks them as `--budget-tokens` and `--budget-cost` are checked).
    @Test func theTaskFormTakesABudget() throws {
        var h = Harness()
        h.press(.character("n"))
        h.type("Fix it")
        for _ in 0..<6 { h.press(.tab) }
        guard case .taskForm(let form) = h.state.overlay else {
            Issue.record("no form: \(h.state.overlay)")
            return
        }
        #expect(form.field == .budgetTokens)
        let blank = h.render().text
        #expect(blank.contains("Max tokens") && blank.contains("Max cost") && blank.contains("flagged, not stopped"), "\(blank)")
        h.type("100000")
        h.press(.tab)
        h.type("2.50")
        h.press(.tab)
        guard case .taskForm(let wrapped) = h.state.overlay else { return }
        #expect(wrapped.field == .prompt, "Tab wraps around")
        h.press(.enter)
        #expect(h.effects.contains(.submit(TaskDraft(prompt: "Fix it", budgetTokens: "100000", budgetCost: "2.50"))), "\(h.effects)")
    }
}
