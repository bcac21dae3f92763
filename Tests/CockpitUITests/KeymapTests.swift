@testable import CockpitUI
import FlightdeckCore
import FlightdeckTestSupport
import Foundation
import Testing

@Suite struct KeymapTests {
    @Test func everyKeyMeansOneThingPerContext() throws {
        var seen: [String: KeyAction] = [:]
        for binding in Keymap.bindings {
            let id = "\(binding.context)/\(binding.key)"
            #expect(seen[id] == nil, "\(id) is bound twice")
            seen[id] = binding.action
            #expect(Keymap.action(for: binding.key, in: binding.context) == binding.action)
        }
    }

    @Test func panesFallBackToGlobalKeysAndOverlaysDoNot() throws {
        #expect(Keymap.action(for: .character("q"), in: .trace) == .quit)
        #expect(Keymap.action(for: .character("n"), in: .trace) == .nextMatch)
        #expect(Keymap.action(for: .character("n"), in: .jobs) == .newTask)
        #expect(Keymap.action(for: .character("q"), in: .prompt) == nil)
        #expect(Keymap.action(for: .character("j"), in: .taskForm) == nil)
    }

    @Test func theHelpIsGeneratedFromTheTableSoItListsEveryBinding() throws {
        let lines = Keymap.helpLines()
        for binding in Keymap.bindings {
            #expect(lines.contains { !$0.isHeading && $0.help == binding.help && $0.keys.split(separator: " ").contains(Substring(binding.key.label)) },
                    "help lacks \(binding.key.label): \(binding.help)")
        }
        #expect(lines.filter(\.isHeading).map(\.keys) == KeyContext.allCases.map(\.title))
    }

    @Test func theHelpOverlayOpensScrollsAndCloses() throws {
        var h = Harness(width: 200, height: 60)
        h.press(.character("?"))
        var text = h.screen
        #expect(text.contains("Keys (Esc closes)"))
        #expect(text.contains("Everywhere"))
        #expect(text.contains("j Down"))
        #expect(text.contains("show this help"))
        h.press(.character("j"))
        #expect(h.state.overlay == .help(scroll: 1))
        #expect(h.state.jobs.selectedID == "j7")  // keys go to the overlay, not the list
        h.press(.escape)
        #expect(h.state.overlay == .none)
        text = h.screen
        #expect(!text.contains("Keys (Esc closes)"))
    }

    @Test func tabCyclesFocusBothWays() throws {
        var h = Harness()
        h.press(.tab)
        #expect(h.state.focus == .trace)
        h.press(.tab, .tab, .tab)
        #expect(h.state.focus == .jobs)
        h.press(.backTab)
        #expect(h.state.focus == .files)
        h.press(.escape)
        #expect(h.state.focus == .jobs)
    }

    @Test func enterOnAJobOpensItsTraceAndQQuits() throws {
        var h = Harness()
        h.press(.enter)
        #expect(h.state.focus == .trace)
        h.press(.character("q"))
        #expect(h.effects == [.quit])
        h.press(.ctrl("c"))
        #expect(h.effects == [.quit])
    }

    @Test func destructiveActionsAreConfirmedFirst() throws {
        var h = Harness(width: 120, height: 30)
        h.select("j4")
        h.press(.character("d"))
        #expect(h.state.overlay == .confirm(.delete(job: "flaky-tests")))
        #expect(h.effects.isEmpty)
        #expect(h.screen.contains("Delete flaky-tests?"))
        h.press(.character("n"))
        #expect(h.state.overlay == .none)
        #expect(h.effects.isEmpty)
        h.press(.character("d"), .character("y"))
        #expect(h.effects == [.perform(.delete(job: "flaky-tests"))])
        #expect(h.screen.contains("delete flaky-tests: sent"))

        h.select("j1")
        h.press(.character("c"))
        #expect(h.screen.contains("Cancel the agent of fix-login-bug?"))
        h.press(.enter)
        #expect(h.effects == [.perform(.cancel(job: "fix-login-bug"))])
        // Nothing to cancel on a finished job: refused without a dialog.
        h.select("j3")
        h.press(.character("c"))
        #expect(h.state.overlay == .none)
        #expect(h.effects.isEmpty)
        #expect(h.screen.contains("write-docs is succeeded: nothing to cancel"))
    }

    @Test func readOnlyAndDisallowedActionsAreRefused() throws {
        var h = Harness()
        h.send(.capabilitiesLoaded(allowed: [.steer, .pin], readOnly: false))
        h.select("j4")
        h.press(.character("d"))
        #expect(h.state.overlay == .none)
        #expect(h.screen.contains("not allowed: the credentials cannot delete"))
        h.press(.character("b"))
        #expect(h.effects == [.perform(.pin(job: "flaky-tests"))])
        h.send(.capabilitiesLoaded(allowed: Set(JobIntentKind.allCases), readOnly: true))
        h.press(.character("b"), .character("n"))
        #expect(h.effects.isEmpty)
        #expect(h.state.overlay == .none)
        #expect(h.screen.contains("read-only"))
    }

    @Test func steerPauseAndResume() throws {
        var h = Harness(width: 120, height: 30)
        h.select("j1")
        h.press(.character("s"))
        #expect(h.state.overlay == .steer(job: "fix-login-bug", text: ""))
        h.type("use pytest -x")
        h.press(.backspace, .backspace)
        h.type("-q")
        #expect(h.screen.contains("use pytest -q"))
        h.press(.enter)
        #expect(h.effects == [.perform(.steer(job: "fix-login-bug", .instruct("use pytest -q")))])
        h.press(.character("p"))
        #expect(h.effects == [.perform(.steer(job: "fix-login-bug", .pause))])
        h.press(.character("p"))
        #expect(h.effects == [.perform(.steer(job: "fix-login-bug", .resume))])
        h.press(.character("s"), .escape)
        #expect(h.effects.isEmpty)
        h.press(.character("s"), .enter)
        #expect(h.effects.isEmpty)
        #expect(h.screen.contains("nothing sent"))
    }

    @Test func theNewTaskFormTabsBetweenFieldsAndSubmits() throws {
        var h = Harness(width: 120, height: 30)
        h.press(.character("n"))
        #expect(h.screen.contains("New task"))
        h.press(.enter)
        #expect(h.effects.isEmpty)
        #expect(h.screen.contains("a task needs a prompt"))
        h.type("fix the flaky login test")
        h.press(.tab)
        h.type("ghcr.io/acme/agent:1.2")
        h.press(.tab)
        h.type("https://github.com/acme/app")
        h.press(.tab, .tab, .tab, .tab, .tab, .tab)  // template, queue, priority, the budget's two, and round to the prompt
        #expect(h.state.overlay == .taskForm(TaskForm(draft: TaskDraft(image: "ghcr.io/acme/agent:1.2", prompt: "fix the flaky login test",
                                                                   repoURL: "https://github.com/acme/app"), field: .prompt)))
        h.press(.backTab, .backTab, .backTab, .backTab, .backTab)
        h.type("templates/python.yaml")
        let text = h.screen
        #expect(text.contains("Prompt") && text.contains("fix the flaky login test"))
        #expect(text.contains("Template") && text.contains("templates/python.yaml"))
        h.press(.enter)
        #expect(h.effects == [.submit(TaskDraft(image: "ghcr.io/acme/agent:1.2", prompt: "fix the flaky login test",
                                                repoURL: "https://github.com/acme/app", templatePath: "templates/python.yaml"))])
        #expect(h.state.overlay == .none)
        h.press(.character("n"), .escape)
        #expect(h.state.overlay == .none)
        #expect(h.effects.isEmpty)
    }

    @Test func theCommandLine() throws {
        var h = Harness()
        h.press(.character(":"))
        h.type("ctx prod")
        #expect(h.render().lines[23].hasPrefix(":ctx prod"))
        h.press(.enter)
        #expect(h.effects == [.switchContext("prod")])
        h.press(.character(":"))
        h.type("theme light")
        h.press(.enter)
        #expect(h.effects == [.loadTheme("light")])
        h.press(.character(":"))
        h.type("filter status=failed")
        h.press(.enter)
        #expect(h.state.jobs.visible.map(\.id) == ["j4"])
        h.press(.character(":"))
        h.type("jobs")
        h.press(.enter)
        #expect(h.state.jobs.visible.count == 7)
        #expect(h.state.focus == .jobs)
        h.press(.character(":"))
        h.type("filter login")
        h.press(.enter)
        #expect(h.state.jobs.visible.map(\.id) == ["j1"])
        h.press(.character(":"), .enter)
        #expect(h.screen.contains("empty command"))
        h.press(.character(":"))
        h.type("bogus")
        h.press(.enter)
        #expect(h.screen.contains("unknown command \":bogus\""))
        h.press(.character(":"))
        h.type("submit")
        h.press(.enter)
        #expect(h.state.overlay == .taskForm(TaskForm()))
        h.press(.escape, .character(":"))
        h.type("q")
        h.press(.enter)
        #expect(h.effects == [.quit])
        h.press(.character(":"))
        h.type("theme")
        h.press(.escape)
        #expect(h.effects.isEmpty)
        #expect(h.state.overlay == .none)
    }

    @Test func themesSwitchLiveAndABrokenOneFallsBackToTheDefault() throws {
        var h = Harness()
        let light = try Theme.parse(yaml: String(contentsOf: ThemeTests.themesDirectory.appendingPathComponent("light.yaml"),
                                                 encoding: .utf8), name: "light")
        h.send(.themeLoaded(light))
        var grid = h.render()
        #expect(grid[0, 23].style.background == light.style(.statusBarBase).background)
        #expect(grid.lines[23].contains("theme light"))
        h.send(.themeFailed("mine.yaml:3:5: bad colour \"#12\""))
        grid = h.render()
        #expect(h.state.theme == Theme.default)
        #expect(grid.lines[23].contains("mine.yaml:3:5: bad colour"))
    }
}
