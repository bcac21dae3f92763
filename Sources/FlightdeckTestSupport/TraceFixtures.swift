import Foundation

/// Realistic agent trace lines (~150 bytes, mixed JSON and plain), generated deterministically
/// so tests and benchmarks see the same data every run.
public struct TraceFixtures {
    private var random: SeededRandom

    public init(seed: UInt64 = 0x5EED) { random = SeededRandom(seed: seed) }

    public mutating func nextRandom() -> UInt64 { random.next() }

    private static let thoughts = [
        "The failing test suggests the parser drops the last token when the input ends without a newline.",
        "I should read the migration code before changing the schema, to keep old databases readable.",
        "Plan: reproduce the bug, write a regression test, fix the boundary check, then run the suite.",
    ]
    private static let commands = ["pytest -q tests/test_parser.py", "git diff --stat", "ls -la src/", "grep -rn TODO src/"]
    private static let plains = [
        "Collecting requests>=2.31 (from -r requirements.txt (line 3)) Using cached requests-2.31.0-py3-none-any.whl",
        "============================= 42 passed, 1 warning in 3.21s ==============================",
        "INFO:agent.loop:step 17 finished, tokens used 1234, context window 38% full, continuing",
    ]

    /// One line; about 60% JSON trace records, 40% plain output.
    public mutating func nextLine(seq: Int) -> String {
        let r = nextRandom()
        let ts = "2026-11-29T04:\(String(format: "%02d", (seq / 60) % 60)):\(String(format: "%02d", seq % 60)).\(String(format: "%03d", seq % 1000))Z"
        switch r % 10 {
        case 0, 1:
            let text = Self.thoughts[Int(r >> 8) % Self.thoughts.count]
            return #"{"ts":"\#(ts)","seq":\#(seq),"kind":"thought","phase":"STRATEGIC","text":"\#(text)"}"#
        case 2, 3:
            let command = Self.commands[Int(r >> 8) % Self.commands.count]
            return #"{"ts":"\#(ts)","seq":\#(seq),"kind":"action","phase":"TACTICAL","text":"run","tool":"execute","args":{"command":"\#(command)"}}"#
        case 4, 5:
            return #"{"ts":"\#(ts)","seq":\#(seq),"kind":"observation","phase":"TACTICAL","text":"3 passed in 0.41s","exit_code":0,"duration_ms":\#(r % 5000)}"#
        default:
            return Self.plains[Int(r >> 8) % Self.plains.count]
        }
    }
}
