import FlightdeckTestSupport
import Foundation
import Testing

/// `flightdeck demo` opens the cockpit in a real terminal (tmux): what a newcomer sees within
/// seconds, navigating, searching, switching theme, resizing, quitting — and the terminal left
/// as it was.
@Suite(.timeLimit(.minutes(4)), .enabled(if: TmuxSession.executable != nil, "\(TmuxSession.unavailableReason)"))
struct CockpitDemoTests {
    let flightdeck = ProductProcess("flightdeck").executable.path
    let dir = TemporaryDirectory()

    func start(width: Int = 160, height: Int = 45, environment: String = "", flags: String = "") throws -> TmuxSession {
        try TmuxSession(width: width, height: height,
            command: "env \(environment) HOME=\(dir.path) \(flightdeck) demo --agents 4 --speed 5 --agent-runtime sim \(flags) --data-dir \(dir.file("demo")); "
                + "echo \"RESTORED $?\"; sleep 600")
    }

    /// A left click at a cell (0-based), as the terminal reports it (X10 mouse encoding):
    /// press and release in one go.
    func click(_ tmux: TmuxSession, x: Int, y: Int) async throws {
        func coordinate(_ value: Int) -> String { String(UnicodeScalar(UInt8(33 + value))) }
        try await tmux.sendKeys("-l", "\u{1B}[M " + coordinate(x) + coordinate(y) + "\u{1B}[M#" + coordinate(x) + coordinate(y))
    }

    @Test func withTheMouseOnAClickOnAJobOpensItsTrace() async throws {
        let tmux = try start(flags: "--mouse")
        defer { tmux.kill() }
        _ = try await tmux.waitFor("four agents listed") { screen in
            screen.contains { $0.contains("Jobs 4 ") } && screen.contains { $0.contains("Trace: agent-") }
        }
        // Sorted by name, the rows stay put while the agents work (by age they move).
        try await tmux.sendKeys("o")
        let screen = try await tmux.waitFor("sorted by name") { $0.contains { $0.contains("Jobs 4 by name") } }
        // The last agent row of the list: its name, and the trace follows the click to it.
        // The job list is the left column of the top half: what is left of the trace's border.
        let list = screen.map { $0.components(separatedBy: "││").first ?? "" }
        let rows = list.indices.filter { list[$0].hasPrefix("│ ") && list[$0].contains(" agent-") }
        try #require(rows.count == 4, "\(list)")
        // (The list may cut a long name with an ellipsis; the trace title has it whole.)
        func name(_ row: Int) -> String {
            list[row].split(separator: " ").first { $0.hasPrefix("agent-") }.map { String($0).replacingOccurrences(of: "…", with: "") } ?? "?"
        }
        // A job other than the one whose trace is open.
        let row = try #require(rows.last { row in !screen.contains { $0.contains("Trace: \(name(row))") } })
        let name = name(row)
        // tmux hands send-keys input to the program a key at a time, so on a loaded machine
        // the click's escape sequence can arrive split past ncurses' escape delay and read as
        // Esc and characters (a terminal writes it whole): a person would click again.
        var after: [String] = []
        for attempt in 1...3 where !after.contains(where: { $0.contains("Trace: \(name)") }) {
            try await click(tmux, x: 6, y: row)
            after = (try? await tmux.waitFor("the trace of \(name) (click \(attempt))", timeout: .seconds(10)) {
                $0.contains { $0.contains("Trace: \(name)") }
            }) ?? []
        }
        let last = try await tmux.capture().joined(separator: "\n")
        #expect(after.contains { $0.contains("Trace: \(name)") }, "\(last)")
        try await tmux.sendKeys("q")
        _ = try await tmux.waitFor(text: "RESTORED")
        #expect(try await tmux.display("#{mouse_any_flag}") == "0", "mouse reporting is off again")
    }

    @Test func theDemoOpensTheCockpitAndEveryKeyDoesWhatItSays() async throws {
        let tmux = try start()
        defer { tmux.kill() }
        // Four panes and a status bar, agents listed and a live trace, within seconds.
        // (The hints show once no flash message holds the status bar: they last five seconds.)
        let first = try await tmux.waitFor("the cockpit with agents, a trace, links and key hints") { screen in
            screen.contains { $0.contains("Jobs 4") } && screen.contains { $0.contains("Trace:") }
                && screen.contains { $0.contains("Timeline") } && screen.contains { $0.contains("Files") }
                && screen.contains { $0.contains(" think ") || $0.contains(" act ") }
                && screen.last.map { $0.contains("● API") && $0.contains("Enter trace") } == true
        }
        #expect(first.contains { $0.contains("agent-") })
        #expect(try await tmux.display("#{alternate_on}") == "1")

        // The help overlay lists the keys; Esc closes it.
        try await tmux.sendKeys("?")
        _ = try await tmux.waitFor(text: "Keys (Esc closes)")
        try await tmux.sendKeys("Escape")
        try await tmux.waitFor("the help closed") { !$0.contains { $0.contains("Keys (Esc closes)") } }

        // Navigate to the next job, then focus the trace and search it: the newest match,
        // paused there, the query in the pane's footer; N steps to an older match.
        try await tmux.sendKeys("j")
        try await tmux.sendKeys("Tab")
        // (Sixty records in, an agent has run its tests more than once.)
        _ = try await tmux.waitFor("a trace sixty records long", timeout: .seconds(90)) { screen in
            (Self.traceSeq(screen) ?? 0) >= 60
        }
        try await tmux.sendKeys("/")
        try await tmux.sendKeys("-l", "pytest")
        try await tmux.sendKeys("Enter")
        let found = try await tmux.waitFor("a search for pytest") { screen in
            screen.contains { $0.contains("Trace: agent-") && $0.contains("paused") } && screen.contains { $0.contains(" /pytest ") }
        }
        let firstMatch = try #require(Self.traceSeq(found), "no record number in the trace title")
        try await tmux.sendKeys("N")
        _ = try await tmux.waitFor("an older match, on screen") { screen in
            (Self.traceSeq(screen).map { $0 < firstMatch } ?? false) && screen.contains { $0.contains("pytest") }
        }

        // Switch theme from the command line, live: the same screen in other colours.
        try await tmux.sendKeys("Escape")
        // (The background most cells have: the theme's base.)
        let darkBase = try #require(Self.colours(try await tmux.capture(escapes: true)).max { $0.value < $1.value }?.key)
        try await tmux.sendKeys(":")
        try await tmux.sendKeys("-l", "theme light")
        try await tmux.sendKeys("Enter")
        _ = try await tmux.waitFor("the light theme's colours", escapes: true) { screen in
            let colours = Self.colours(screen)
            return !colours.isEmpty && colours[darkBase] == nil
        }
        _ = try await tmux.waitFor("still drawing after the theme switch") { $0.contains { $0.contains("● API") } }

        // Resize: the frame follows, with nothing left over from the old one.
        try await tmux.resize(width: 90, height: 28)
        let small = try await tmux.waitFor("a frame at 90x28, status bar included") { screen in
            screen.count == 28 && screen.contains { $0.contains("Jobs") } && screen.last?.contains("API") == true
        }
        #expect(small.allSatisfy { TerminalWidth.columns($0) <= 90 }, "\(small)")
        try await tmux.resize(width: 200, height: 60)
        _ = try await tmux.waitFor("all four panes at 200x60") { screen in
            screen.count == 60 && screen.contains { $0.contains("Timeline") } && screen.contains { $0.contains("Files") }
        }

        try await tmux.sendKeys("q")
        let after = try await tmux.waitFor(text: "RESTORED")
        #expect(after.contains { $0.hasPrefix("RESTORED 0") }, "\(after)")
        #expect(try await tmux.display("#{alternate_on}") == "0", "the alternate screen is gone")
        #expect(try await tmux.display("#{cursor_flag}") == "1", "the cursor is visible")
    }

    @Test func aNonUTF8LocaleGetsAnASCIICockpitAndSIGTERMRestoresTheTerminal() async throws {
        let tmux = try start(width: 100, height: 30, environment: "LANG=C LC_ALL=C")
        defer { tmux.kill() }
        let screen = try await tmux.waitFor("the cockpit in ASCII") { screen in
            screen.contains { $0.contains("Jobs") } && screen.contains { $0.contains("agent-") }
        }
        #expect(screen.allSatisfy { $0.unicodeScalars.allSatisfy(\.isASCII) }, "\(screen.joined(separator: "\n"))")
        let shell = try #require(Int32(try await tmux.display("#{pane_pid}")))
        let program = try #require(TmuxSession.children(of: shell).first)
        let started = TmuxSession.children(of: program)  // nats-server, when installed
        kill(program, SIGTERM)
        let after = try await tmux.waitFor(text: "RESTORED")
        #expect(try await tmux.display("#{alternate_on}") == "0")
        // A clean shutdown: history committed, what the demo started stopped, 128 + SIGTERM.
        #expect(after.contains { $0.hasPrefix("RESTORED 143") }, "\(after)")
        for child in started { #expect(kill(child, 0) != 0, "process \(child) outlived the demo") }
    }
}

extension CockpitDemoTests {
    /// The record number the trace pane's title shows (`#N/total`).
    static func traceSeq(_ screen: [String]) -> Int? {
        guard let title = screen.first(where: { $0.contains("Trace: agent-") }), let hash = title.lastIndex(of: "#") else { return nil }
        return Int(title[title.index(after: hash)...].prefix { $0.isNumber })
    }

    /// The background colours a captured screen sets (`48;5;N` or `48;2;R;G;B` in its SGR),
    /// with how often.
    static func colours(_ screen: [String]) -> [String: Int] {
        var found: [String: Int] = [:]
        for line in screen {
            for sequence in line.components(separatedBy: "\u{1B}[").dropFirst() {
                guard let end = sequence.firstIndex(of: "m") else { continue }
                let parameters = sequence[..<end].split(separator: ";")
                var index = 0
                while index < parameters.count {
                    if parameters[index] == "48", index + 2 < parameters.count, parameters[index + 1] == "5" {
                        found["5;\(parameters[index + 2])", default: 0] += 1
                        index += 3
                    } else if parameters[index] == "48", index + 4 < parameters.count, parameters[index + 1] == "2" {
                        found["2;\(parameters[(index + 2)...(index + 4)].joined(separator: ";"))", default: 0] += 1
                        index += 5
                    } else if let value = Int(parameters[index]), (40...47).contains(value) || (100...107).contains(value) {
                        found[String(value), default: 0] += 1
                        index += 1
                    } else {
                        index += 1
                    }
                }
            }
        }
        return found
    }
}

/// Columns of a captured line (CJK and emoji take two).
enum TerminalWidth {
    static func columns(_ text: String) -> Int {
        text.unicodeScalars.reduce(0) { total, scalar in
            let wide = (0x2E80...0x9FFF).contains(scalar.value) || scalar.properties.isEmojiPresentation
            return total + (wide ? 2 : 1)
        }
    }
}
