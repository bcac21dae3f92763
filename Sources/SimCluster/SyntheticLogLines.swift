/// The output of the simulated `log-generator` image: agent-looking lines of a fixed length,
/// numbered, deterministic — 60% JSON trace records (thought, action, observation), 40%
/// plain output — so a benchmark can check it received every line and nothing else.
///
/// Every line is exactly `lineBytes` bytes (without its newline) unless its fixed part is
/// longer already; the free text pads it. Pure ASCII, valid JSON where it is JSON.
public struct SyntheticLogLines: Sendable {
    public let lineBytes: Int

    public init(lineBytes: Int) { self.lineBytes = lineBytes }

    static let words = Array(("reading the failing test output before changing the parser so the fix stays small "
        + "and checking the workspace for the config loader then running the suite again with the new fixture ").utf8)
    static let tools = ["bash", "edit_file", "read_file", "grep", "pytest"]

    /// Appends line `index` (from 1), without a newline.
    public func append(_ index: Int, to out: inout [UInt8]) {
        let start = out.count
        let step = index / 5 + 1
        let tail: [UInt8]
        switch index % 5 {
        case 0:
            out += #"{"seq":"#.utf8
            out += String(index).utf8
            out += #","kind":"thought","step":"#.utf8
            out += String(step).utf8
            out += #","text":""#.utf8
            tail = Array(#""}"#.utf8)
        case 1:
            out += "[agent] step ".utf8
            out += String(step).utf8
            out += " line ".utf8
            out += String(index).utf8
            out += ": ".utf8
            tail = []
        case 2:
            out += #"{"seq":"#.utf8
            out += String(index).utf8
            out += #","kind":"action","tool":""#.utf8
            out += Self.tools[step % Self.tools.count].utf8
            out += #"","args":"tests/test_module_"#.utf8
            out += String(step % 97).utf8
            out += #".py","text":""#.utf8
            tail = Array(#""}"#.utf8)
        case 3:
            out += "+ pytest -q tests/test_module_".utf8
            out += String(step % 97).utf8
            out += ".py #".utf8
            out += String(index).utf8
            out += " PASSED ".utf8
            tail = []
        default:
            out += #"{"seq":"#.utf8
            out += String(index).utf8
            out += #","kind":"observation","exit_code":"#.utf8
            out += (step % 7 == 0 ? "1" : "0").utf8
            out += #","duration_ms":"#.utf8
            out += String(step * 37 % 5000).utf8
            out += #","text":""#.utf8
            tail = Array(#""}"#.utf8)
        }
        var filler = lineBytes - (out.count - start) - tail.count
        var position = index * 7 % Self.words.count
        while filler > 0 {
            let take = min(filler, Self.words.count - position)
            out += Self.words[position..<(position + take)]
            filler -= take
            position = 0
        }
        out += tail
    }

    /// Lines `range` joined by newlines (no newline after the last).
    public func text(_ range: ClosedRange<Int>) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(range.count * (lineBytes + 1))
        for index in range {
            if index != range.lowerBound { out.append(0x0A) }
            append(index, to: &out)
        }
        return String(decoding: out, as: UTF8.self)
    }
}
