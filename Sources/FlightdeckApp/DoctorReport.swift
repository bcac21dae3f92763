/// What `flightdeck doctor` prints and how it exits: one line per check — ok, warn (!) or
/// fail (✗) — and 0 when all is well, 2 when the worst is a warning, 1 when something failed.
public struct DoctorReport: Sendable, Hashable {
    public var checks: [DoctorCheck]

    public init(_ checks: [DoctorCheck]) {
        self.checks = checks
    }

    /// One line per check: its mark (ASCII words when the terminal is not UTF-8), its name
    /// in a column (12 wide, or as wide as the longest name: never cut), and its
    /// terminal-safe detail.
    public func lines(ascii: Bool) -> [String] {
        let width = max(12, checks.map(\.name.count).max() ?? 0)
        return checks.map { check in
            let mark = check.ok ? (ascii ? "ok  " : "✓ ") : (check.required ? (ascii ? "FAIL" : "✗ ") : (ascii ? "warn" : "! "))
            return "\(mark) \(check.name.padding(toLength: width, withPad: " ", startingAt: 0)) \(TerminalText.line(check.detail))"
        }
    }

    /// Whether a required check failed.
    public var failed: Bool { checks.contains { $0.required && !$0.ok } }

    /// 0: all is well; 2: the worst is a warning; 1: something failed.
    public var exitStatus: Int32 { failed ? 1 : checks.contains { !$0.ok } ? 2 : 0 }

    /// The failure the command ends with after the lines, if any: one line for a failed
    /// check (exit 1); a warning only sets the exit status (2).
    public var failure: OperatorError? {
        failed ? OperatorError("doctor found a problem (marked above)") : nil
    }
}
