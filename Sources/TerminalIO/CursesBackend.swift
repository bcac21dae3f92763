import CCurses
import CockpitUI
import Foundation

/// The real terminal, through ncursesw: blits frame-diff runs and reads keys.
///
/// It never redraws on its own: it writes the cells it is given into stdscr and calls
/// `doupdate` once per batch, and clears the whole screen only when told to (after a
/// resize). Waiting for input is `poll(2)` on stdin and a wake pipe, followed by
/// non-blocking `get_wch`, so presents can interrupt a wait and an idle terminal costs no
/// wakeups. All of it runs on the session's one terminal thread.
public final class CursesBackend: TerminalBackend {
    /// How keys are read.
    public enum InputMode: Sendable, Hashable {
        /// Every key, Ctrl-C, Ctrl-Z and Ctrl-\ included, reaches the cockpit as a key.
        case raw
        /// Ctrl-C, Ctrl-Z and Ctrl-\ raise their signals (SIGINT restores and exits).
        case cbreak
    }

    public struct Options: Sendable {
        /// The variables capabilities are detected from (normally the process environment).
        public var environment: [String: String]
        public var inputMode: InputMode
        /// How long a lone Esc waits for the rest of an escape sequence.
        public var escapeDelay: Duration
        /// Reports left clicks and the wheel (`TerminalEvent.mouse`). Off by default: mouse reporting takes
        /// text selection away from the terminal.
        public var mouse: Bool
        /// After a termination signal, how long the program may take to shut down cleanly
        /// before it is made to exit.
        public var terminationGrace: TimeInterval = 10
        /// ASCII mode whatever the locale says.
        public var forceASCII: Bool

        public init(environment: [String: String], inputMode: InputMode = .raw, escapeDelay: Duration = .milliseconds(25),
                    mouse: Bool = false, forceASCII: Bool = false) {
            self.environment = environment
            self.inputMode = inputMode
            self.escapeDelay = escapeDelay
            self.mouse = mouse
            self.forceASCII = forceASCII
        }
    }

    public let options: Options
    public private(set) var size = TerminalSize(width: 0, height: 0)
    /// Final after `start()`.
    public private(set) var capabilities: TerminalCapabilities
    /// ncurses' COLORS and COLOR_PAIRS, for the diagnostic screen.
    public private(set) var cursesColors = 0
    public private(set) var cursesColorPairs = 0

    private var screen: OpaquePointer?
    private var stopped = false
    private var pairs = ColorPairCache(capacity: 0)
    private var numbers = CursesColorNumbers(colors: 0, direct: false)

    public init(options: Options) {
        self.options = options
        capabilities = TerminalCapabilities(environment: options.environment)
    }

    // MARK: - Start and stop

    public func start() throws -> TerminalCapabilities {
        guard isatty(0) == 1, isatty(1) == 1 else { throw TerminalError.notATerminal }
        guard CCurses_wake_pipe_open() == 0 else { throw TerminalError.pipeFailed }
        var capabilities = TerminalCapabilities(environment: options.environment)
            .limited(localeIsUTF8: CCurses_set_locale_is_utf8() != 0)
        if options.forceASCII { capabilities.textMode = .ascii }

        CCurses_save_tty_mode(0)
        CCurses_remember_signal_dispositions()
        guard let screen = capabilities.term.withCString({ CCurses_newterm_stdio($0) }) else {
            throw TerminalError.unknownTerminal(capabilities.term)
        }
        self.screen = screen
        CCurses_configure_input(options.inputMode == .raw ? 1 : 0, Int32(options.escapeDelay / .milliseconds(1)))

        if capabilities.colorDepth != .monochrome, has_colors() {
            start_color()
            use_default_colors()
            cursesColors = Int(CCurses_COLORS())
            cursesColorPairs = Int(CCurses_COLOR_PAIRS())
            let direct = CCurses_has_direct_color() != 0
            capabilities = capabilities.limited(byCursesColors: cursesColors, directColor: direct)
            capabilities.cursesColors = cursesColors
            capabilities.cursesColorPairs = cursesColorPairs
            numbers = CursesColorNumbers(colors: cursesColors, direct: direct)
            pairs = ColorPairCache(capacity: max(0, cursesColorPairs - 1))
        } else {
            capabilities = capabilities.limited(byCursesColors: 0, directColor: false)
        }
        self.capabilities = capabilities

        if options.mouse {
            _ = mousemask(mmask_t(CCurses_mouse_mask()), nil)
            _ = mouseinterval(0)
        }

        // What the crash path writes with write(2): no ncurses, no allocation.
        func capability(_ name: String) -> String { String(cString: CCurses_tigetstr(name)) }
        var reset = capability("sgr0") + capability("cnorm") + capability("rmkx")
        if options.mouse { reset += "\u{1B}[?1000l\u{1B}[?1006l" }
        reset += capability("rmcup")
        CCurses_set_reset_sequence(reset)
        CCurses_arm_restore(1)
        CCurses_install_signal_handlers()

        size = currentSize()
        return capabilities
    }

    public func stop() {
        guard screen != nil, !stopped else { return }
        stopped = true
        if options.mouse { _ = mousemask(0, nil) }
        _ = curs_set(1)
        _ = endwin()
        CCurses_arm_restore(0)
        CCurses_remove_signal_handlers()
        delscreen(screen)
        screen = nil
    }

    deinit { stop() }

    // MARK: - Drawing

    public func draw(_ runs: [FrameDiff.Run], clear: Bool) -> DrawOutcome {
        guard screen != nil, !stopped else { return .drawn }
        let depth = capabilities.colorDepth
        if depth != .monochrome {
            var keys = Set<ColorPairCache.Key>()
            for run in runs { for cell in run.cells where !cell.isContinuation { keys.insert(pairKey(cell.style, depth)) } }
            if !pairs.canFit(keys) {
                pairs.reset()
                // A full frame that still needs more pairs than exist draws the rest in the
                // terminal's default colours rather than looping.
                if !clear { return .needsFullRedraw }
            }
        }
        if clear { CCurses_clear_on_next_update() }
        var lastStyle: Style?
        var attrs: attr_t = 0
        var pair: Int32 = 0
        for run in runs where run.y < size.height {
            for (offset, cell) in run.cells.enumerated() where !cell.isContinuation {
                let x = run.x + offset
                guard x < size.width else { break }
                if cell.style != lastStyle {
                    lastStyle = cell.style
                    (attrs, pair) = cursesStyle(cell.style, depth)
                }
                var text = GlyphGuard.text(for: cell, textMode: capabilities.textMode)
                // A wide glyph cut by the screen edge (a frame rendered for an older size).
                if cell.width == 2, x + 1 >= size.width { text = " " }
                if text == cell.text || text == " " {
                    put(text, y: run.y, x: x, attrs: attrs, pair: pair)
                } else {
                    for (index, character) in text.enumerated() where x + index < size.width {
                        put(String(character), y: run.y, x: x + index, attrs: attrs, pair: pair)
                    }
                }
            }
        }
        _ = wnoutrefresh(CCurses_stdscr())
        _ = doupdate()
        return .drawn
    }

    private func put(_ text: String, y: Int, x: Int, attrs: attr_t, pair: Int32) {
        var scalars = text.unicodeScalars.map { wchar_t(bitPattern: $0.value) }
        if scalars.isEmpty { scalars = [wchar_t(32)] }
        _ = scalars.withUnsafeBufferPointer { CCurses_put_cell(Int32(y), Int32(x), $0.baseAddress, Int32($0.count), attrs, pair) }
    }

    private func pairKey(_ style: Style, _ depth: ColorDepth) -> ColorPairCache.Key {
        let mapped = ColorMapping.map(style, to: depth)
        return ColorPairCache.Key(foreground: numbers.number(for: mapped.foreground),
                                  background: numbers.number(for: mapped.background))
    }

    private func cursesStyle(_ style: Style, _ depth: ColorDepth) -> (attr_t, Int32) {
        var attrs = CCurses_A_NORMAL()
        let a = style.attributes
        if a.contains(.bold) { attrs |= CCurses_A_BOLD() }
        if a.contains(.dim) { attrs |= CCurses_A_DIM() }
        if a.contains(.italic) { attrs |= CCurses_A_ITALIC() }
        if a.contains(.underline) { attrs |= CCurses_A_UNDERLINE() }
        if a.contains(.reverse) { attrs |= CCurses_A_REVERSE() }
        guard depth != .monochrome else { return (attrs, 0) }
        let key = pairKey(style, depth)
        guard let assigned = pairs.pair(for: key) else { return (attrs, 0) }
        if assigned.isNew { _ = init_extended_pair(assigned.pair, key.foreground, key.background) }
        return (attrs, assigned.pair)
    }

    // MARK: - Input

    public func waitForEvents(timeout: Duration?) -> [TerminalEvent] {
        guard screen != nil, !stopped else { return [] }
        let milliseconds: Int32 = timeout.map { Int32(clamping: max(0, Int(($0 / .microseconds(1) + 999) / 1000))) } ?? -1
        let ready = CCurses_wait(0, milliseconds)
        if let signal = Optional(CCurses_take_termination_signal()), signal != 0 {
            return terminate(signal)
        }
        if ready & 4 != 0 {
            // The terminal went away (ssh dropped): nothing to draw on; leave as SIGHUP would.
            return terminate(SIGHUP)
        }
        var events: [TerminalEvent] = []
        let resized = CCurses_take_resize() != 0
        if ready & 1 != 0 || resized { events += drainInput() }
        if resized, let kernel = kernelSize(), kernel != size {
            // ncurses did not report it (its own SIGWINCH handler is not there): resize here.
            _ = resizeterm(Int32(kernel.height), Int32(kernel.width))
            size = currentSize()
            events.append(.resized(width: size.width, height: size.height))
        }
        return events
    }

    public func wake() { CCurses_wake() }

    /// Gives the terminal back at once, then lets the program shut down cleanly (commit its
    /// history, stop what it started) — or, if it has not exited `terminationGrace` later, exits
    /// for it, as the signal would have.
    private func terminate(_ signal: Int32) -> [TerminalEvent] {
        stop()
        let grace = options.terminationGrace
        let watchdog = Thread {
            Thread.sleep(forTimeInterval: grace)
            CCurses_exit_now(128 + signal)
        }
        watchdog.name = "flightdeck-exit-watchdog"
        watchdog.start()
        return [.terminated(signal: signal)]
    }

    private func drainInput() -> [TerminalEvent] {
        var events: [TerminalEvent] = []
        var value: UInt32 = 0
        for _ in 0..<4096 {
            let result = CCurses_get_wch(&value)
            if result == CCurses_ERR() { break }
            if result == CCurses_KEY_CODE_YES() {
                let code = Int32(bitPattern: value)
                if code == CursesKeyCode.mouse {
                    var x: Int32 = 0, y: Int32 = 0
                    switch CCurses_read_mouse(&x, &y) {
                    case 1: events.append(.mouse(MouseEvent(kind: .wheelUp, x: Int(x), y: Int(y))))
                    case 2: events.append(.mouse(MouseEvent(kind: .wheelDown, x: Int(x), y: Int(y))))
                    case 3: events.append(.mouse(MouseEvent(kind: .press, x: Int(x), y: Int(y))))
                    default: break
                    }
                    continue
                }
                if code == CursesKeyCode.resize { size = currentSize() }
                if let event = KeyDecoder.decode(.keyCode(code), size: size) { events.append(event) }
            } else if let event = KeyDecoder.decode(.character(value), size: size) {
                events.append(event)
            }
        }
        return events
    }

    private func currentSize() -> TerminalSize {
        var rows: Int32 = 0, cols: Int32 = 0
        CCurses_getmaxyx(CCurses_stdscr(), &rows, &cols)
        return TerminalSize(width: Int(cols), height: Int(rows))
    }

    private func kernelSize() -> TerminalSize? {
        var rows: Int32 = 0, cols: Int32 = 0
        guard CCurses_window_size(1, &rows, &cols) == 0 else { return nil }
        return TerminalSize(width: Int(cols), height: Int(rows))
    }
}
