import HistoryStore

/// `flightdeck history check`: SQLite's integrity check of the history database.
public enum HistoryCheck {
    /// Checks `store`; returns `ok: PATH`, or throws one line with the first findings.
    public static func run(_ store: HistoryStore) throws -> String {
        try verdict(try store.integrityCheck(), path: store.path)
    }

    /// What the integrity check's findings mean for the database at `path`.
    public static func verdict(_ findings: [String], path: String) throws -> String {
        guard findings == ["ok"] else {
            throw OperatorError("history database \(path) failed its integrity check: \(findings.prefix(3).map(TerminalText.line).joined(separator: "; "))")
        }
        return "ok: \(path)"
    }
}
