@testable import CockpitUI
import FlightdeckCore
import FlightdeckTestSupport
import Foundation
import Testing

/// Queued jobs in the list (glyph, place, priority, why they wait, in queue order) and the
/// keys that change them: `+`/`-` priority, `m` move to another queue, `S` start now.
@Suite struct QueueTests {
    static func ago(_ seconds: TimeInterval) -> Date { CockpitFixtures.now.addingTimeInterval(-seconds) }

    /// Three jobs waiting in homelab (newest first by age: normal, high, low) and one running.
    static let jobs: [AgentJob] = [
        AgentJob(id: "q1", name: "agent-low", namespace: "agents", createdAt: ago(300), status: .queued,
            pendingReason: "queue homelab: 1/1 running", queue: "homelab", priority: .low, queuePosition: 3),
        AgentJob(id: "q2", name: "agent-high", namespace: "agents", createdAt: ago(200), status: .queued,
            pendingReason: "next in queue homelab, but nothing admits it: no flightdeck record holds the Lease",
            queue: "homelab", priority: .high, queuePosition: 1),
        AgentJob(id: "q3", name: "agent-normal", namespace: "agents", createdAt: ago(100), status: .queued,
            pendingReason: "Kueue: quota reserved elsewhere", queue: "homelab", priority: .normal, queuePosition: 2),
        AgentJob(id: "r1", name: "agent-run", namespace: "agents", createdAt: ago(400), startedAt: ago(350),
            status: .running, node: "k3s-node-1", phase: .tactical, queue: "homelab", priority: .normal),
    ]

    static func harness(width: Int = 200, height: Int = 40, glyphs: GlyphSet = .unicode, kueue: Bool = false) -> Harness {
        var h = Harness(width: width, height: height, glyphs: glyphs, jobs: jobs)
        h.send(.queuesLoaded(names: ["homelab", "batch"], default: "homelab", kueue: kueue))
        return h
    }

    /// The list's row of `name` (not the trace pane's title, which names the selected job).
    static func row(_ grid: CellGrid, _ name: String) -> Int? {
        grid.lines.firstIndex { $0.contains(name) && !$0.contains("Trace: \(name)") }
    }

    static func rows(_ grid: CellGrid, _ names: [String]) -> [Int?] { names.map { row(grid, $0) } }

    // MARK: - The list

    @Test func queuedRowsShowTheirGlyphPlacePriorityAndWhyTheyWait() throws {
        let h = Self.harness()
        let grid = h.render()
        #expect(grid.lines[0].contains("Jobs 4 by age- 3 queued"))
        let high = try #require(Self.row(grid, "agent-high"))
        #expect(grid.lines[high].contains("◷ agent-high"))
        #expect(grid.lines[high].contains("#1 high"))
        #expect(grid.lines[high].contains("homelab: nothing admits it"))
        let low = try #require(Self.row(grid, "agent-low"))
        #expect(grid.lines[low].contains("#3 low") && grid.lines[low].contains("homelab: 1/1 running"))
        // Any other reason gets the queue in front.
        let normal = try #require(Self.row(grid, "agent-normal"))
        #expect(grid.lines[normal].contains("#2 normal") && grid.lines[normal].contains("homelab: Kueue: quota"))
        // The glyph has its own slot.
        let x = try #require(grid.column(of: "◷", row: low))
        #expect(grid[x, low].style.foreground == Theme.default.style(.jobListStatusQueued).foreground)
        #expect(Theme.default.style(.jobListStatusQueued) != Theme.default.style(.jobListStatusSuspended))
        // A running job of the queue shows its phase, not a place.
        let run = try #require(Self.row(grid, "agent-run"))
        #expect(grid.lines[run].contains("● agent-run") && grid.lines[run].contains("TACTICAL") && !grid.lines[run].contains("#"))
    }

    @Test func queuedJobsAreInLineOrderWhateverTheSortAndReorderWhenTheQueueDoes() throws {
        var h = Self.harness()
        // By age the newest would be first; within the queue, the place in line wins.
        #expect(h.state.jobs.visible.map(\.name) == ["agent-high", "agent-normal", "agent-low", "agent-run"])
        var rows = Self.rows(h.render(), ["agent-high", "agent-normal", "agent-low", "agent-run"]).compactMap { $0 }
        #expect(rows == rows.sorted() && rows.count == 4)
        h.press(.character("O"))  // ascending: still #1 first among the queue's rows
        #expect(h.state.jobs.visible.map(\.name) == ["agent-run", "agent-high", "agent-normal", "agent-low"])
        h.press(.character("O"))

        // The low one was raised to the front: the reconciler's new places come in as updates.
        var raised = Self.jobs
        raised[0].priority = .high
        raised[0].queuePosition = 1
        raised[1].queuePosition = 2
        raised[2].queuePosition = 3
        h.send(.jobsUpdated(ids: ["q1", "q2", "q3"], jobs: Array(raised[0...2])))
        #expect(h.state.jobs.visible.map(\.name) == ["agent-low", "agent-high", "agent-normal", "agent-run"])
        rows = Self.rows(h.render(), ["agent-low", "agent-high", "agent-normal"]).compactMap { $0 }
        #expect(rows == rows.sorted() && rows.count == 3)
        let low = try #require(Self.row(h.render(), "agent-low"))
        #expect(h.render().lines[low].contains("#1 high"))

        // Started: it leaves the queue (and the count).
        var started = raised[0]
        started.status = .running
        started.queuePosition = nil
        started.startedAt = CockpitFixtures.now
        h.send(.jobsUpdated(ids: ["q1"], jobs: [started]))
        #expect(h.render().lines[0].contains("2 queued"))
        let line = try #require(h.render().lines.first { $0.contains("agent-low") && !$0.contains("Trace: agent-low") })
        #expect(line.contains("● agent-low") && !line.contains("#1"))
        h.press(.character("f"), .character("f"), .character("f"))
        #expect(h.state.jobs.statusFilter == .queued)
        #expect(h.state.jobs.visible.map(\.name) == ["agent-high", "agent-normal"])
    }

    @Test func inASCIIAndAt80ColumnsTheQueueStillShows() throws {
        let ascii = Self.harness(glyphs: .ascii).render()
        let high = try #require(Self.row(ascii, "agent-high"))
        #expect(ascii.lines[high].contains("q agent-high"))
        #expect(ascii.lines.allSatisfy { $0.unicodeScalars.allSatisfy(\.isASCII) })

        let narrow = Self.harness(width: 80, height: 24).render()
        let low = try #require(Self.row(narrow, "agent-low"))
        #expect(narrow.lines[low].contains("#3 low") && narrow.lines[low].contains("homelab: 1/1"))
    }

    @Test func agentTextInAReasonOrQueueIsSanitised() throws {
        var jobs = Self.jobs
        jobs[0].pendingReason = "queue homelab: \u{1B}[2J\u{07}2/2"
        jobs[0].queue = "homelab"
        var h = Harness(width: 200, height: 40, jobs: jobs)
        h.send(.queuesLoaded(names: ["homelab"], default: "homelab", kueue: false))
        let text = h.screen
        #expect(!text.contains("\u{1B}") && !text.contains("\u{07}"))
        #expect(text.contains("2/2"))
    }

    // MARK: - Keys

    @Test func plusAndMinusChangeTheSelectedQueuedJobsPriority() throws {
        var h = Self.harness()
        h.select("q3")
        h.press(.character("+"))
        #expect(h.effects == [.perform(.prioritize(job: "agent-normal", .high))])
        #expect(h.screen.contains("priority high for agent-normal: sent"))
        h.press(.character("-"))
        #expect(h.effects == [.perform(.prioritize(job: "agent-normal", .low))])
        h.press(.character("="))
        #expect(h.effects == [.perform(.prioritize(job: "agent-normal", .high))])

        h.select("q2")
        h.press(.character("+"))
        #expect(h.effects.isEmpty)
        #expect(h.screen.contains("agent-high has priority high already"))
        h.press(.character("-"))
        #expect(h.effects == [.perform(.prioritize(job: "agent-high", .normal))])
        h.select("q1")
        h.press(.character("-"))
        #expect(h.effects.isEmpty)
        #expect(h.screen.contains("agent-low has priority low already"))

        // Only a queued job.
        h.select("r1")
        for key in ["+", "-", "m", "S"] {
            h.press(.character(Character(key)))
            #expect(h.effects.isEmpty)
            #expect(h.state.overlay == .none)
        }
        h.press(.character("+"))
        #expect(h.screen.contains("agent-run is running: only a queued job can change its priority"))
        h.press(.character("S"))
        #expect(h.screen.contains("agent-run is running: only a queued job can start now"))
    }

    @Test func mOpensAPickerOfTheConfiguredQueues() throws {
        var h = Self.harness(width: 120, height: 30)
        h.select("q1")
        h.press(.character("m"))
        #expect(h.state.overlay == .pickQueue(job: "agent-low", queues: ["homelab", "batch"], cursor: 0))
        #expect(h.state.keyContext == .picker)
        let text = h.screen
        #expect(text.contains("Move agent-low to queue"))
        #expect(text.contains("▶ homelab  (now)  (default)"))
        #expect(text.contains("  batch"))
        #expect(text.contains("j/k choose  Enter move  Esc cancel"))
        // The job's own queue: nothing to do.
        h.press(.enter)
        #expect(h.effects.isEmpty && h.state.overlay == .none)
        #expect(h.screen.contains("agent-low is in queue homelab already"))
        h.press(.character("m"), .character("j"), .character("j"))
        #expect(h.state.overlay == .pickQueue(job: "agent-low", queues: ["homelab", "batch"], cursor: 1))
        #expect(h.screen.contains("▶ batch"))
        h.press(.enter)
        #expect(h.effects == [.perform(.move(job: "agent-low", queue: "batch"))])
        #expect(h.screen.contains("move agent-low to queue batch: sent"))
        h.press(.character("m"), .down, .up, .escape)
        #expect(h.effects.isEmpty && h.state.overlay == .none)
        #expect(h.screen.contains("move cancelled"))
    }

    @Test func withOneQueueOrNoneThereIsNowhereToMove() throws {
        var h = Harness(width: 120, height: 30, jobs: Self.jobs)
        h.select("q1")
        h.press(.character("m"))
        #expect(h.state.overlay == .none)
        #expect(h.screen.contains("no other queue to move agent-low to (the config has no queues)"))
        h.send(.queuesLoaded(names: ["homelab"], default: "homelab", kueue: false))
        h.press(.character("m"))
        #expect(h.state.overlay == .none)
        #expect(h.screen.contains("no other queue to move agent-low to (queues: homelab)"))
        #expect(!h.state.isAvailable(.moveQueue))
    }

    @Test func startNowAsksFirstNamingTheQueueItJumps() throws {
        var h = Self.harness(width: 120, height: 30)
        h.select("q1")
        h.press(.character("S"))
        #expect(h.state.overlay == .confirm(.startNow(job: "agent-low")))
        #expect(h.effects.isEmpty)
        #expect(h.screen.contains("Start agent-low now, ahead of queue homelab (1/1 running)?"))
        #expect(h.screen.contains("y yes  n no"))
        h.press(.character("n"))
        #expect(h.effects.isEmpty && h.state.overlay == .none)
        #expect(h.screen.contains("start now cancelled"))
        h.press(.character("S"), .character("y"))
        #expect(h.effects == [.perform(.startNow(job: "agent-low"))])
        #expect(h.screen.contains("start agent-low now: sent"))

        // The head of the queue: its reason (nothing admits it) is said below the question.
        h.select("q2")
        h.press(.character("S"))
        #expect(h.screen.contains("Start agent-high now, ahead of queue homelab?"))
        #expect(h.screen.contains("next in queue homelab, but nothing admits it"))
        h.press(.enter)
        #expect(h.effects == [.perform(.startNow(job: "agent-high"))])
    }

    @Test func underKueueStartNowIsNotOfferedAndSaysWhy() throws {
        var h = Self.harness(kueue: true)
        h.select("q1")
        #expect(!h.state.isAvailable(.startNow))
        #expect(h.state.isAvailable(.raisePriority))
        let hints = StatusBar(state: h.state, theme: h.state.theme, glyphs: h.state.glyphs).hints()
        #expect(hints.contains("+ priority") && hints.contains("m move") && !hints.contains("start now"))
        h.press(.character("S"))
        #expect(h.state.overlay == .none && h.effects.isEmpty)
        #expect(h.screen.contains("start now: Kueue admits agent-low, not Flightdeck: raise its priority instead"))
        h.press(.character("+"))
        #expect(h.effects == [.perform(.prioritize(job: "agent-low", .normal))])
    }

    @Test func theHintsOfferTheQueueKeysOnlyOnAQueuedJob() throws {
        var h = Self.harness()
        h.select("q1")
        let hints = StatusBar(state: h.state, theme: h.state.theme, glyphs: h.state.glyphs).hints()
        #expect(hints.contains("+ priority") && hints.contains("m move") && hints.contains("S start now"))
        h.select("r1")
        let running = StatusBar(state: h.state, theme: h.state.theme, glyphs: h.state.glyphs).hints()
        #expect(!running.contains("priority") && !running.contains("m move") && !running.contains("start now"))
    }

    @Test func readOnlyAndCredentialsWithoutPatchRefuseTheQueueKeys() throws {
        var h = Self.harness()
        h.select("q1")
        h.send(.capabilitiesLoaded(allowed: Set(JobIntentKind.allCases), readOnly: true))
        h.press(.character("+"))
        #expect(h.effects.isEmpty)
        #expect(h.screen.contains("read-only: the cockpit cannot change priorities"))
        h.press(.character("S"))
        #expect(h.effects.isEmpty && h.state.overlay == .none)
        #expect(h.screen.contains("read-only: the cockpit cannot start jobs now"))
        h.press(.character("m"))
        #expect(h.state.overlay == .none)
        #expect(h.screen.contains("read-only: the cockpit cannot move jobs to another queue"))

        h.send(.capabilitiesLoaded(allowed: Set(JobIntentKind.allCases).subtracting(JobIntentKind.queueChanges), readOnly: false))
        h.press(.character("-"), .character("+"))
        #expect(h.effects.isEmpty)
        #expect(h.screen.contains("not allowed: the credentials cannot change priorities"))
        let hints = StatusBar(state: h.state, theme: h.state.theme, glyphs: h.state.glyphs).hints()
        #expect(!hints.contains("priority") && !hints.contains("start now"))
    }

    @Test func theHelpListsTheQueueKeys() throws {
        var h = Self.harness(width: 120, height: 200)
        h.press(.character("?"))
        let text = h.screen
        #expect(text.contains("queued job: raise its priority"))
        #expect(text.contains("queued job: lower its priority"))
        #expect(text.contains("queued job: move it to another queue"))
        #expect(text.contains("queued job: start it now, ahead of its queue (asks first)"))
        #expect(text.contains("Queue picker"))
    }

    // MARK: - The new-task form

    @Test func theFormHasQueueAndPriorityFieldsWithTheirDefaults() throws {
        var h = Self.harness(width: 120, height: 30)
        h.press(.character("n"))
        var text = h.screen
        #expect(text.contains("Queue") && text.contains("default: homelab (homelab, batch)"))
        #expect(text.contains("Priority") && text.contains("default: normal (high, normal, low)"))
        h.type("tidy the README")
        h.press(.tab, .tab, .tab, .tab)
        #expect(h.state.overlay == .taskForm(TaskForm(draft: TaskDraft(prompt: "tidy the README"), field: .queue)))
        h.type("batch")
        h.press(.tab)
        h.type("hihg")
        h.press(.backspace, .backspace)
        h.type("gh")
        text = h.screen
        #expect(text.contains("batch") && text.contains("high") && !text.contains("default: homelab"))
        h.press(.enter)
        // The form checks nothing of the two: `flightdeck submit`'s checks answer (in the effect).
        #expect(h.effects == [.submit(TaskDraft(prompt: "tidy the README", queue: "batch", priority: "high"))])
    }
}
