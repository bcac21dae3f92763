import Foundation

/// Every string stored in a history file, in every column of every table, checked by an
/// independent client (Python's sqlite3) for what must never be stored: terminal control
/// (C0, DEL, C1, bidi overrides, invisible and tag characters) and the given secrets.
public enum HistoryAudit {
    public struct Report: Sendable {
        /// Offending values, each described on a line (empty: none).
        public var problems: [String]
        /// The longest stored string, in UTF-8 bytes.
        public var longest: Int
        public var output: String
    }

    static let script = """
        import sqlite3, sys, re
        c = sqlite3.connect(sys.argv[1])
        bad = re.compile('[\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f\\u202a-\\u202e\\u2066-\\u2069\\u200b\\u200e\\u200f\\U000e0000-\\U000e007f]')
        secrets = sys.argv[2:]
        longest = 0
        for table in ['jobs', 'trace', 'phase_changes', 'markers', 'workspace_snapshots']:
            try:
                rows = c.execute('SELECT * FROM ' + table).fetchall()
            except sqlite3.OperationalError:
                continue
            for row in rows:
                for value in row:
                    if isinstance(value, str):
                        longest = max(longest, len(value.encode()))
                        if bad.search(value): print('unsafe in', table + ':', repr(value[:80]))
                        for s in secrets:
                            if s in value: print('secret in', table + ':', repr(value[:80]))
        print('longest', longest)
        """

    public static func run(_ database: String, secrets: [String]) async throws -> Report {
        let result = try await ProductProcess(executable: URL(fileURLWithPath: "/usr/bin/env")).run(
            ["python3", "-c", script, database] + secrets)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        let longest = lines.last { $0.hasPrefix("longest ") }.flatMap { Int($0.dropFirst(8)) } ?? .max
        return Report(problems: lines.filter { !$0.hasPrefix("longest ") } + (result.status == 0 ? [] : [result.stderr]),
            longest: longest, output: result.stdout + result.stderr)
    }
}
