/// A key as the cockpit understands it, decoded by the terminal backend from ncurses key
/// codes and escape sequences. The keymap (`update`) is written against this alone.
public enum Key: Sendable, Hashable {
    /// A printable character (already decoded from UTF-8), including space.
    case character(Character)
    /// Ctrl plus a letter, lowercased (`ctrl("c")`), for the few that are not handled as signals.
    case ctrl(Character)
    case up, down, left, right
    case pageUp, pageDown, home, end
    case enter, escape, tab, backTab, backspace, delete
    case function(Int)
}

/// What the terminal reports to the cockpit's loop.
public enum TerminalEvent: Sendable, Hashable {
    case key(Key)
    /// The terminal now has this many columns and rows.
    case resized(width: Int, height: Int)
    /// A click or a wheel turn (only with the mouse turned on: `--mouse`).
    case mouse(MouseEvent)
    /// A termination signal arrived (SIGINT, SIGTERM, SIGQUIT, or SIGHUP, also when the
    /// terminal went away). The terminal is already restored and no event follows; the
    /// program shuts down (committing what it holds) and exits with 128 + `signal`.
    case terminated(signal: Int32)
}

/// A mouse event at a cell (0-based column and row).
public struct MouseEvent: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        case press, wheelUp, wheelDown
    }

    public var kind: Kind
    public var x: Int
    public var y: Int

    public init(kind: Kind, x: Int, y: Int) {
        self.kind = kind
        self.x = x
        self.y = y
    }
}
