import CockpitUI
import FlightdeckTestSupport
import TerminalIO
import Testing

/// The session against the recording backend: what reaches the "terminal", and when.
@Suite(.timeLimit(.minutes(3))) struct TerminalSessionTests {
    static let red = Style(foreground: .rgb(255, 0, 0))
    static let selected = Style(attributes: [.reverse])

    func frame(_ width: Int, _ height: Int, _ lines: [String], style: Style = .plain) -> CellGrid {
        var grid = CellGrid(width: width, height: height)
        for (y, line) in lines.enumerated() { grid.put(line, x: 0, y: y, style: style) }
        return grid
    }

    @Test func presentingTheSameFrameTwiceDrawsNothingTheSecondTime() throws {
        let backend = RecordingBackend(width: 10, height: 3)
        let session = try TerminalSession(backend: backend)
        let grid = frame(10, 3, ["hello", "日本"])
        session.present(grid)
        session.flush()
        #expect(backend.draws.count == 1)
        #expect(backend.draws[0].cleared, "the first frame clears the screen")
        session.present(grid)
        session.flush()
        #expect(backend.draws.count == 1, "an unchanged frame reaches the terminal not at all")
        var changed = grid
        changed.put("J", x: 0, y: 0, style: .plain)
        session.present(changed)
        session.flush()
        #expect(backend.draws.count == 2)
        #expect(backend.draws[1].cellCount == 1 && !backend.draws[1].cleared, "only the changed cell")
        #expect(backend.screen == changed)
        session.shutdown()
        #expect(backend.isStopped)
    }

    @Test func framesPresentedFasterThanTheCapAreCoalescedAndTheLatestWins() throws {
        let backend = RecordingBackend(width: 20, height: 1)
        let session = try TerminalSession(backend: backend, options: .init(maxFramesPerSecond: 1))
        for n in 0..<50 { session.present(frame(20, 1, ["frame \(n)"])) }
        session.flush()
        #expect(backend.screen.lines == ["frame 49            "])
        #expect(backend.draws.count <= 3, "\(backend.draws.count) draws for 50 presents at 1 fps")
        session.shutdown()
    }

    /// "No wakeups when idle": with nothing to draw, the session waits with no timeout.
    @Test func anIdleSessionWaitsWithoutATimeout() async throws {
        let backend = RecordingBackend(width: 5, height: 1)
        let session = try TerminalSession(backend: backend)
        session.present(frame(5, 1, ["x"]))
        session.flush()
        // The wait before the frame (zero when the frame was already there: drain input,
        // then draw), then the one after drawing it, without a timeout.
        try await eventually { backend.waits.count >= 2 && backend.waits.last! == nil }
        let settled = backend.waits.count
        try await Task.sleep(for: .milliseconds(200))
        #expect(backend.waits.count == settled, "no polling while idle")
        session.shutdown()
    }

    @Test func eventsArriveInOrderAndTheStreamEndsAtShutdown() async throws {
        let backend = RecordingBackend(width: 5, height: 1)
        let session = try TerminalSession(backend: backend)
        backend.send(.key(.character("a")), .key(.pageDown))
        backend.resize(width: 7, height: 2)
        var received: [TerminalEvent] = []
        for await event in session.events() {
            received.append(event)
            if received.count == 3 { break }
        }
        #expect(received == [.key(.character("a")), .key(.pageDown), .resized(width: 7, height: 2)])
        #expect(session.size == TerminalSize(width: 7, height: 2))
        session.shutdown()
        var after: [TerminalEvent] = []
        for await event in session.events() { after.append(event) }
        #expect(after.isEmpty)
    }

    @Test func aResizeClearsAndRedrawsTheWholeNextFrame() async throws {
        let backend = RecordingBackend(width: 10, height: 2)
        let session = try TerminalSession(backend: backend)
        let small = frame(10, 2, ["abc", "def"])
        session.present(small)
        session.flush()
        backend.resize(width: 10, height: 2)  // same size: the terminal may still have lost its content
        session.present(small)
        session.flush()
        #expect(backend.draws.count == 2)
        #expect(backend.draws[1].cleared)
        #expect(backend.screen == small)
        backend.resize(width: 4, height: 1)
        let tiny = frame(4, 1, ["wxyz"])
        session.present(tiny)
        session.flush()
        #expect(backend.screen == tiny)
        session.shutdown()
    }

    @Test func aFullPairCacheRedrawsTheWholeFrame() throws {
        let backend = RecordingBackend(width: 6, height: 1)
        let session = try TerminalSession(backend: backend)
        session.present(frame(6, 1, ["abcdef"]))
        session.flush()
        backend.simulatePairCacheOverflow()
        let next = frame(6, 1, ["abXdef"], style: Self.red)
        session.present(next)
        session.flush()
        #expect(backend.draws.last?.cleared == true)
        #expect(backend.draws.last?.cellCount == 6)
        #expect(backend.screen == next)
        session.shutdown()
    }

    @Test func wideGlyphsOverwrittenByNarrowOnesAndViceVersa() throws {
        let backend = RecordingBackend(width: 8, height: 1)
        let session = try TerminalSession(backend: backend)
        for text in ["日本語ab", "a日本語b", "abcdefgh", "日本語ab", "x日y本z", "🚀🚀🚀🚀", "a🚀b🚀c", "  中文  "] {
            let grid = frame(8, 1, [text])
            session.present(grid)
            session.flush()
            #expect(backend.screen == grid, "after \(text): \(backend.screen.lines)")
        }
        session.shutdown()
    }

    /// Property: after any sequence of frames (wide glyphs, styles, resizes), the screen is
    /// exactly the last frame.
    @Test(arguments: [UInt64(1), 2, 3, 4, 5])
    func theScreenEqualsTheLastFrameAfterAnySequence(seed: UInt64) throws {
        var random = SeededRandom(seed: seed)
        var width = 12, height = 4
        let backend = RecordingBackend(width: width, height: height)
        let session = try TerminalSession(backend: backend, options: .init(maxFramesPerSecond: 1000))
        let glyphs = ["a", "b", " ", "日", "本", "🚀", "x", "─", "中"]
        let styles = [Style.plain, Self.red, Self.selected, Style(background: .indexed(4))]
        var grid = CellGrid(width: width, height: height)
        for step in 0..<120 {
            if Int.random(in: 0..<15, using: &random) == 0 {
                width = Int.random(in: 3...14, using: &random)
                height = Int.random(in: 1...5, using: &random)
                backend.resize(width: width, height: height)
                grid = CellGrid(width: width, height: height)
            }
            for _ in 0..<Int.random(in: 1...6, using: &random) {
                let text = (0..<Int.random(in: 1...5, using: &random)).map { _ in glyphs.randomElement(using: &random)! }.joined()
                grid.put(text, x: Int.random(in: 0..<width, using: &random), y: Int.random(in: 0..<height, using: &random),
                         style: styles.randomElement(using: &random)!)
            }
            session.present(grid)
            session.flush()
            // A resize that the session has not seen yet may still be on its way: wait for it.
            if backend.size == TerminalSize(width: width, height: height), session.size == backend.size {
                #expect(backend.screen == grid, "seed \(seed) step \(step): \(backend.screen.lines) != \(grid.lines)")
            }
        }
        session.shutdown()
    }

    @Test func asciiModeNeverDrawsANonASCIIGrapheme() throws {
        let ascii = TerminalCapabilities(term: "vt100", localeName: "C", colorDepth: .monochrome, textMode: .ascii)
        let backend = RecordingBackend(width: 10, height: 1, capabilities: ascii)
        let session = try TerminalSession(backend: backend)
        #expect(session.capabilities.textMode == .ascii)
        session.present(frame(10, 1, ["a日é🚀b"]))
        session.flush()
        #expect(backend.screen.lines == ["a?????b   "], "a, ??, ?, ??, b: columns kept")
        #expect(backend.screen.cells.allSatisfy { $0.text.unicodeScalars.allSatisfy(\.isASCII) })
        session.shutdown()
    }

    @Test func glyphGuardTurnsControlCharactersIntoQuestionMarks() {
        #expect(GlyphGuard.text(for: Cell(text: "\u{1B}"), textMode: .utf8) == "?")
        #expect(GlyphGuard.text(for: Cell(text: "\u{9B}"), textMode: .utf8) == "?")
        #expect(GlyphGuard.text(for: Cell(text: "日", width: 2), textMode: .utf8) == "日")
        #expect(GlyphGuard.text(for: Cell(text: "日", width: 2), textMode: .ascii) == "??")
        #expect(GlyphGuard.text(for: Cell(text: "e\u{301}"), textMode: .ascii) == "?")
        #expect(GlyphGuard.text(for: Cell(text: "~"), textMode: .ascii) == "~")
    }
}
