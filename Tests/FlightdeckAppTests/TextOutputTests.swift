import AgentManifests
import FlightdeckApp
import FlightdeckCore
import FlightdeckTestSupport
import Foundation
import Testing

/// The small pieces the commands print with, and the demo's scenario.
@Suite struct TextOutputTests {
    @Test func traceLinesSayWhatTheKindSaysAndAreTerminalSafe() {
        let time = Date(timeIntervalSince1970: 1_800_000_000.25)
        var action = TraceRecord(jobID: "j", sourceID: "s", time: time, kind: .action, phase: .tactical, text: "run the tests",
            tool: "execute", args: "pytest -q")
        #expect(TraceText.line(action) == "08:00:00.250 TACTICAL   action      execute pytest -q  run the tests")
        action.text = "\u{1B}]52;c;aGk=\u{07}sneaky"
        #expect(!TraceText.line(action).contains("\u{1B}"))
        let observation = TraceRecord(jobID: "j", sourceID: "s", time: time, kind: .observation, text: "2 passed",
            exitCode: 0, durationMs: 2_500)
        #expect(TraceText.line(observation).hasSuffix("observation [exit 0, 2.5s] 2 passed"))
        #expect(TraceText.duration(milliseconds: 850) == "850ms")
        #expect(TraceText.duration(milliseconds: -5) == "0ms")
    }

    @Test func tablesAlignColumnsAndSanitiseCells() {
        let table = TextTable.render([["NAME", "STATUS"], ["agent-1", "Running"], ["a\u{1B}[2J", "x"]])
        let lines = table.split(separator: "\n").map(String.init)
        #expect(lines[0] == "NAME     STATUS")
        #expect(lines[1] == "agent-1  Running")
        #expect(!table.contains("\u{1B}"))
    }

    @Test func localeIsReadAsSetlocaleReadsIt() {
        #expect(LocaleCheck(environment: ["LANG": "C.UTF-8"]).isUTF8)
        #expect(!LocaleCheck(environment: ["LC_ALL": "C", "LANG": "en_US.UTF-8"]).isUTF8)
        #expect(LocaleCheck(environment: ["LC_ALL": "", "LC_CTYPE": "de_DE.utf8"]).name == "de_DE.utf8")
        #expect(LocaleCheck(environment: [:]).name == "")
    }

    @Test func aHostileFileWithoutNewlinesIsReadInBoundedLines() throws {
        let directory = TemporaryDirectory("flightdeck-lines")
        let path = directory.file("input")
        try Data("one\ntwo\n".utf8 + Data(repeating: 0x41, count: 300_000) + Data("\nlast".utf8)).write(to: URL(fileURLWithPath: path))
        var reader = LineReader(handle: try #require(FileHandle(forReadingAtPath: path)), maxLineBytes: 1_000)
        #expect(try reader.next() == Array("one".utf8))
        #expect(try reader.next() == Array("two".utf8))
        #expect(try reader.next()?.count == 1_000)  // cut at the limit, the rest skipped
        #expect(try reader.next() == Array("last".utf8))
        #expect(try reader.next() == nil)
    }

    @Test func theDemoScenarioIsSeededAndItsTasksAreValid() {
        let first = DemoScenario.tasks(count: 6, seed: 7, image: "ghcr.io/flightdeck/sim-agent:1")
        let again = DemoScenario.tasks(count: 6, seed: 7, image: "ghcr.io/flightdeck/sim-agent:1")
        #expect(first.map(\.uuid) == again.map(\.uuid))
        #expect(Set(first.map(\.uuid)).count == 6)
        #expect(first.allSatisfy { $0.validationErrors.isEmpty })
        #expect(DemoScenario.tasks(count: 6, seed: 8, image: "x").map(\.uuid) != first.map(\.uuid))
        let runtime = DemoScenario.runtimeTasks(count: 4, seed: 7, stepDelay: 0.5)
        #expect(runtime.allSatisfy { $0.validationErrors.isEmpty && $0.image == TaskTemplate.defaultImage })
    }
}
