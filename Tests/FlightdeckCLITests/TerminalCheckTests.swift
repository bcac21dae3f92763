import FlightdeckTestSupport
import Foundation
import Testing

/// `flightdeck terminal` in a real terminal (tmux): what it shows, the keys it names, how it
/// survives resizes, and that every way out gives the terminal back.
@Suite(.timeLimit(.minutes(3)), .enabled(if: TmuxSession.executable != nil, "\(TmuxSession.unavailableReason)"))
struct TerminalCheckTests {
    let flightdeck = ProductProcess("flightdeck").executable.path

    /// Runs `flightdeck terminal` and, after it, reports its exit status and the tty's modes,
    /// then stays so the pane can be inspected.
    func start(_ prefix: String = "", arguments: String = "", width: Int = 80, height: Int = 24) throws -> TmuxSession {
        let modes = #"stty -a | tr ' ;' '\n\n' | grep -x -e icanon -e -icanon -e echo -e -echo | tr '\n' ' '"#
        return try TmuxSession(
            width: width, height: height,
            command: "\(prefix) \(flightdeck) terminal \(arguments); echo \"RESTORED $?\"; echo \"MODES $(\(modes))\"; sleep 600")
    }

    /// After the program ended: the normal screen is back, the cursor shows, the tty is cooked.
    func expectRestored(_ tmux: TmuxSession, status: Int) async throws {
        let screen = try await tmux.waitFor(text: "MODES")
        #expect(screen.contains { $0.hasPrefix("RESTORED \(status)") }, "\(screen)")
        #expect(screen.contains { $0.hasPrefix("MODES icanon echo") }, "\(screen)")
        #expect(try await tmux.display("#{alternate_on}") == "0", "the alternate screen is gone")
        #expect(try await tmux.display("#{cursor_flag}") == "1", "the cursor is visible")
        #expect(!screen.contains { $0.contains("terminal check") }, "the full-screen UI is gone: \(screen)")
    }

    /// Waits for a whole frame at `size` (at least 10 rows): rows are drawn top to bottom
    /// after the clear, so the key row (9) being there with the new size line (4) means the
    /// box between them is too.
    @discardableResult
    func waitForFrame(_ tmux: TmuxSession, _ size: String, also text: String? = nil) async throws -> [String] {
        try await tmux.waitFor("a whole frame at \(size)") { screen in
            screen.contains("size: \(size)") && screen.contains { $0.hasPrefix("key: ") }
                && (text.map { text in screen.contains { $0.contains(text) } } ?? true)
        }
    }

    /// The program's pid: the child of the pane's shell.
    func programPID(_ tmux: TmuxSession) async throws -> Int32 {
        let shell = try #require(Int32(try await tmux.display("#{pane_pid}")))
        return try #require(TmuxSession.children(of: shell).first { pid in
            (try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8))?.contains("flightdeck") ?? false
        })
    }

    /// Columns a string takes in tmux (the glyphs this screen uses: CJK and emoji are 2).
    static func columns(_ text: Substring) -> Int {
        text.unicodeScalars.reduce(0) { total, scalar in
            let wide = (0x2E80...0x9FFF).contains(scalar.value) || scalar.properties.isEmojiPresentation
            return total + (wide ? 2 : 1)
        }
    }

    /// The column of each box row's right edge: the same on every row, or the box is broken.
    static func boxRightEdges(_ screen: [String], corner: Character, edges: Set<Character>) -> [Int] {
        guard let top = screen.firstIndex(where: { $0.first == corner }), top + 2 < screen.count else { return [] }
        return screen[top...(top + 2)].map { line in
            guard let last = line.lastIndex(where: { edges.contains($0) }) else { return -1 }
            return columns(line[...last])
        }
    }

    /// SGR parameters that set a colour (30–37, 38, 40–47, 48, 90–97, 100–107).
    static func colourParameters(_ lines: [String]) -> [Int] {
        let text = lines.joined(separator: "\n")
        var found: [Int] = []
        for part in text.components(separatedBy: "\u{1B}[").dropFirst() {
            guard let end = part.firstIndex(of: "m") else { continue }
            for parameter in part[..<end].split(separator: ";").compactMap({ Int($0) })
            where (30...38).contains(parameter) || (40...48).contains(parameter) || (90...97).contains(parameter)
                || (100...107).contains(parameter) {
                found.append(parameter)
            }
        }
        return found
    }

    @Test func showsTheCapabilitiesAColourRampAndAnAlignedWideGlyphBox() async throws {
        let tmux = try start()
        let screen = try await waitForFrame(tmux, "80x24")
        #expect(screen.contains { $0.contains("TERM: tmux-256color") }, "\(screen)")
        #expect(screen.contains { $0.contains("NO_COLOR: (unset)") })
        #expect(screen.contains { $0.contains("colours: palette256") }, "\(screen)")
        #expect(screen.contains { $0.contains("text: UTF-8") })
        #expect(screen.contains { $0.contains("│ 日本語 🚀 中文 │") }, "\(screen)")
        let edges = Self.boxRightEdges(screen, corner: "┌", edges: ["┐", "│", "┘"])
        #expect(edges.count == 3 && Set(edges).count == 1, "box right edges \(edges): \(screen)")
        let ramp = try await tmux.capture(escapes: true).filter { $0.contains("ramp:") }
        #expect(!Self.colourParameters(ramp).isEmpty, "the ramp is in colour: \(ramp)")
        try await tmux.sendKeys("q")
        try await expectRestored(tmux, status: 0)
    }

    @Test func namesEachKeyPressed() async throws {
        let tmux = try start()
        try await tmux.waitFor(text: "(press a key)")
        let keys: [(String, String)] = [
            ("PageDown", "pageDown"), ("PageUp", "pageUp"), ("Up", "up"), ("Down", "down"), ("Left", "left"),
            ("Right", "right"), ("Home", "home"), ("End", "end"), ("BTab", "backTab"), ("Tab", "tab"), ("F5", "F5"),
            ("Enter", "enter"), ("BSpace", "backspace"), ("DC", "delete"), ("x", "'x'"), ("C-a", "ctrl-a"),
            ("日", "'日'"), ("Escape", "escape"),
        ]
        for (count, (tmuxKey, name)) in keys.enumerated() {
            try await tmux.sendKeys(tmuxKey)
            // The whole line: a shorter name over a longer one (or over a wide glyph) leaves nothing behind.
            try await tmux.waitFor("key: \(name) (\(count + 1) seen)") { screen in
                screen.contains("key: \(name)") && screen.contains("keys seen: \(count + 1)")
            }
        }
        try await tmux.sendKeys("C-c")
        try await expectRestored(tmux, status: 0)
    }

    @Test func redrawsCorrectlyAfterEachResize() async throws {
        let tmux = try start()
        try await tmux.waitFor(text: "size: 80x24")
        for (width, height) in [(120, 40), (30, 10), (100, 30)] {
            try await tmux.resize(width: width, height: height)
            let screen = try await waitForFrame(tmux, "\(width)x\(height)")
            #expect(screen.count == height)
            #expect(screen.filter { $0.contains("size:") } == ["size: \(width)x\(height)"], "no stale size: \(screen)")
            #expect(screen.dropFirst(11).allSatisfy { $0.trimmingCharacters(in: .whitespaces).isEmpty },
                    "nothing left below the frame: \(screen)")
            #expect(screen.allSatisfy { Self.columns($0[...]) <= width })
            if width >= 20 {
                let edges = Self.boxRightEdges(screen, corner: "┌", edges: ["┐", "│", "┘"])
                #expect(edges.count == 3 && Set(edges).count == 1, "box right edges \(edges) at \(width)x\(height)")
            }
        }
        try await tmux.sendKeys("q")
        try await expectRestored(tmux, status: 0)
    }

    @Test func resizesInQuickSuccessionEndOnTheLastSize() async throws {
        let tmux = try start()
        try await tmux.waitFor(text: "size: 80x24")
        for (width, height) in [(100, 30), (40, 12), (132, 50), (25, 8), (90, 20)] {
            try await tmux.resize(width: width, height: height)
        }
        let screen = try await waitForFrame(tmux, "90x20")
        #expect(screen.count == 20)
        #expect(screen.filter { $0.contains("size:") } == ["size: 90x20"], "\(screen)")
        #expect(screen.dropFirst(11).allSatisfy { $0.trimmingCharacters(in: .whitespaces).isEmpty }, "\(screen)")
        let edges = Self.boxRightEdges(screen, corner: "┌", edges: ["┐", "│", "┘"])
        #expect(edges.count == 3 && Set(edges).count == 1, "box right edges \(edges): \(screen)")
        try await tmux.sendKeys("q")
        try await expectRestored(tmux, status: 0)
    }

    @Test func aNonUTF8LocaleMeansASCIIOnly() async throws {
        let tmux = try start("LANG=C")
        let screen = try await waitForFrame(tmux, "80x24", also: "text: ASCII")
        #expect(screen.allSatisfy { $0.unicodeScalars.allSatisfy(\.isASCII) }, "\(screen)")
        let edges = Self.boxRightEdges(screen, corner: "+", edges: ["+", "|"])
        #expect(edges.count == 3 && Set(edges).count == 1, "ASCII box right edges \(edges): \(screen)")
        // A non-ASCII key is not sent: under a non-UTF-8 locale ncurses drops it, and with it
        // any key that arrived in the same read (docs/terminal.md).
        try await tmux.sendKeys("x")
        try await tmux.waitFor(text: "key: 'x'")
        #expect(try await tmux.capture().allSatisfy { $0.unicodeScalars.allSatisfy(\.isASCII) })
        try await tmux.sendKeys("q")
        try await expectRestored(tmux, status: 0)
    }

    @Test func noColorMeansMonochrome() async throws {
        let tmux = try start("NO_COLOR=1")
        try await waitForFrame(tmux, "80x24", also: "colours: monochrome")
        let escaped = try await tmux.capture(escapes: true)
        #expect(Self.colourParameters(escaped).isEmpty, "no colour escapes at all: \(escaped)")
        #expect(escaped.contains { $0.contains("NO_COLOR: 1") })
        try await tmux.sendKeys("q")
        try await expectRestored(tmux, status: 0)
    }

    @Test(arguments: [(SIGTERM, 143), (SIGHUP, 129), (SIGINT, 130), (SIGQUIT, 131)])
    func aTerminationSignalRestoresAndExitsWith128PlusTheSignal(signal: Int32, status: Int) async throws {
        let tmux = try start()
        try await tmux.waitFor(text: "size: 80x24")
        kill(try await programPID(tmux), signal)
        try await expectRestored(tmux, status: status)
    }

    @Test func aCrashRestoresTheTerminal() async throws {
        let tmux = try start("ulimit -c 0;", arguments: "--crash-after-first-frame")
        try await expectRestored(tmux, status: 128 + Int(SIGABRT))
    }
}

/// Without a terminal there is nothing to take over: one line saying so, and no escape bytes.
@Suite struct TerminalCheckWithoutATerminalTests {
    @Test func saysItNeedsATerminalInOneLine() async throws {
        let result = try await ProductProcess("flightdeck").run(["terminal"])
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("flightdeck: not a terminal"), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1)
        #expect(!result.stdout.contains("\u{1B}"), "nothing was drawn: \(result.stdout.debugDescription)")
    }
}
