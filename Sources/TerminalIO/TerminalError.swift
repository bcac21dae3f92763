/// Why the terminal could not be taken over: said in one line, with what to do about it.
public enum TerminalError: Error, Sendable, Hashable, CustomStringConvertible {
    /// stdin or stdout is not a terminal (piped, or run without a tty).
    case notATerminal
    /// ncurses has no terminfo entry for `TERM`.
    case unknownTerminal(String)
    /// The wake pipe could not be created (out of descriptors).
    case pipeFailed

    public var description: String {
        switch self {
        case .notATerminal: return "not a terminal: run it in a terminal (or `ssh -t` / tmux), not with stdin or stdout redirected"
        case let .unknownTerminal(term):
            return "the terminal type TERM=\(term.isEmpty ? "(unset)" : term) is unknown to ncurses; try TERM=xterm-256color"
        case .pipeFailed: return "could not create the terminal wake pipe"
        }
    }
}
