import Foundation
import FlightdeckTestSupport
import Testing

@testable import FlightdeckCore

@Suite("TraceLineParser")
struct TraceLineParserTests {
    private let parser = TraceLineParser()
    private let received = Date(timeIntervalSince1970: 1_800_000_000)
    /// An OpenAI-style key: every redactor rule set knows this shape.
    private let secret = "sk-proj-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789AbCdEfGh"
    private let secretTail = "QrStUvWxYz0123456789"

    private func parse(_ line: String, with parser: TraceLineParser? = nil) -> TraceRecord {
        let record = (parser ?? self.parser).parse(line, jobID: "job-1", sourceID: "nats:7", receivedAt: received)
        expectTerminalSafe(record)
        return record
    }

    private func parse(bytes: [UInt8]) -> TraceRecord {
        let record = parser.parse(bytes, jobID: "job-1", sourceID: "nats:7", receivedAt: received)
        expectTerminalSafe(record)
        return record
    }

    /// No string field may carry anything a terminal would act on.
    private func expectTerminalSafe(_ record: TraceRecord, sourceLocation: SourceLocation = #_sourceLocation) {
        let fields = [record.text, record.tool, record.args, record.raw, record.phase?.rawValue].compactMap { $0 }
        for field in fields {
            let unsafe = field.unicodeScalars.first { scalar in
                let value = scalar.value
                return (value < 0x20 && value != 0x0A && value != 0x09) || (0x7F...0x9F).contains(value)
                    || (0x202A...0x202E).contains(value) || (0x2066...0x2069).contains(value)
            }
            #expect(
                unsafe == nil, "unsafe U+\(String(unsafe?.value ?? 0, radix: 16)) in \(field.prefix(200))",
                sourceLocation: sourceLocation)
        }
    }

    // MARK: - Happy path

    @Test func everyProtocolField() throws {
        let record = parse(
            #"{"ts":"2026-11-29T04:23:08.250Z","seq":42,"kind":"action","phase":"TACTICAL","text":"Running tests","#
                + #""tool":"execute","args":{"cmd":"pytest -q","env":{"CI":"1"},"n":[1,2.5]},"exit_code":2,"duration_ms":1234}"#
        )
        #expect(record.jobID == "job-1")
        #expect(record.sourceID == "nats:7")
        #expect(record.seq == 0)
        #expect(record.time == RFC3339.date(from: "2026-11-29T04:23:08.250Z"))
        #expect(record.agentSeq == 42)
        #expect(record.kind == .action)
        #expect(record.phase == .tactical)
        #expect(record.text == "Running tests")
        #expect(record.tool == "execute")
        #expect(record.args == #"{"cmd":"pytest -q","env":{"CI":"1"},"n":[1,2.5]}"#)
        #expect(record.exitCode == 2)
        #expect(record.durationMs == 1234)
        #expect(record.raw == nil)
        #expect(record.truncated == false)
    }

    @Test(arguments: TraceKind.allCases)
    func everyKind(_ kind: TraceKind) {
        #expect(parse(#"{"kind":"\#(kind.rawValue)","text":"x"}"#).kind == kind)
    }

    @Test func minimalObject() {
        let record = parse("{}")
        #expect(record.kind == .message)
        #expect(record.text == "")
        #expect(record.time == received)
        #expect(record.raw == nil)
    }

    // MARK: - usage

    @Test func usageIsReadAndItsModelMadeSafe() {
        let record = parse(#"{"kind":"thought","text":"t","usage":{"input_tokens":1200,"output_tokens":"35","model":"qwen\u001b[2J-coder"}}"#)
        #expect(record.usage == TokenUsage(inputTokens: 1200, outputTokens: 35, model: "qwen^[[2J-coder"), "ESC shown, not sent")
        #expect(record.raw == nil)
        #expect(parse(#"{"usage":{"output_tokens":7}}"#).usage == TokenUsage(inputTokens: 0, outputTokens: 7))
    }

    @Test(arguments: [
        #"{"usage":{"input_tokens":-1}}"#, #"{"usage":{"input_tokens":1.5}}"#, #"{"usage":{"model":"m"}}"#,
        #"{"usage":[1,2]}"#, #"{"usage":{"input_tokens":1,"model":7}}"#,
    ])
    func unusableUsageGoesToRaw(_ line: String) {
        let record = parse(line)
        #expect(record.usage == nil)
        #expect(record.raw?.hasPrefix(#"{"usage":"#) == true, "\(record.raw ?? "nil")")
    }

    // MARK: - raw

    @Test func unknownFieldsAreKeptInRawInOrder() {
        let record = parse(
            #"{"node":"planner","text":"hi","run_id":"abc","meta":{"step":3,"tags":["a"]},"kind":"thought","x":null}"#)
        #expect(record.text == "hi")
        #expect(record.kind == .thought)
        #expect(record.raw == #"{"node":"planner","run_id":"abc","meta":{"step":3,"tags":["a"]},"x":null}"#)
    }

    @Test func unusableProtocolValuesGoToRaw() {
        let record = parse(
            #"{"kind":"plan","ts":"yesterday","seq":"abc","exit_code":1.5,"tool":{"name":"x"},"phase":7}"#)
        #expect(record.kind == .message)
        #expect(record.time == received)
        #expect(record.agentSeq == nil)
        #expect(record.exitCode == nil)
        #expect(record.tool == nil)
        #expect(record.phase == nil)
        #expect(
            record.raw == #"{"kind":"plan","ts":"yesterday","seq":"abc","exit_code":1.5,"tool":{"name":"x"},"phase":7}"#
        )
    }

    @Test func nullProtocolFieldsAreAbsent() {
        let record = parse(#"{"text":null,"message":"from message","tool":null,"args":null,"ts":null}"#)
        #expect(record.text == "from message")
        #expect(record.tool == nil)
        #expect(record.args == nil)
        #expect(record.time == received)
        #expect(record.raw == nil)
    }

    @Test func rawKeysAndValuesAreRedactedAndSanitised() throws {
        let record = parse(#"{"text":"t","api\u001b[31m":"\#(secret)","note":"\u202Eevil"}"#)
        let raw = try #require(record.raw)
        #expect(!raw.contains(secretTail))
        #expect(raw.contains("[redacted]"))
        #expect(!raw.contains("\u{1B}") && !raw.contains("\\u001b"))
        #expect(!raw.contains("\u{202E}"))
    }

    // MARK: - Not JSON objects

    @Test func plainText() {
        let record = parse("INFO collected 128 items")
        #expect(record.kind == .message)
        #expect(record.text == "INFO collected 128 items")
        #expect(record.raw == nil)
        #expect(record.time == received)
        #expect(record.agentSeq == nil)
        #expect(record.truncated == false)
    }

    @Test(arguments: [
        #"{"kind":"thought","text":"unterminated"#, #"{"a":1} trailing"#, "{not json}", #"{"a":01}"#,
        "[1,2,3]", "42", #""just a string""#, "null", "true", "  [ ]", "}{",
    ])
    func nonObjectsAreMessages(_ line: String) {
        let record = parse(line)
        #expect(record.kind == .message)
        #expect(record.text == line)
        #expect(record.raw == nil)
    }

    @Test func emptyLines() {
        #expect(parse("").text == "")
        #expect(parse("").kind == .message)
        #expect(parse("\n").text == "")
        #expect(parse("\r\n").text == "")
    }

    // MARK: - Lenient rules

    @Test func seqAcceptsNumbersAndNumericStrings() {
        #expect(parse(#"{"seq":12}"#).agentSeq == 12)
        #expect(parse(#"{"seq":12.0}"#).agentSeq == 12)
        #expect(parse(#"{"seq":"12"}"#).agentSeq == 12)
        #expect(parse(#"{"seq":" 12 "}"#).agentSeq == 12)
        #expect(parse(#"{"seq":1e3}"#).agentSeq == 1000)
        #expect(parse(#"{"seq":12.5}"#).agentSeq == nil)
        #expect(parse(#"{"seq":1e300}"#).agentSeq == nil)
        #expect(parse(#"{"seq":"[12]"}"#).agentSeq == nil)
        #expect(parse(#"{"seq":true}"#).agentSeq == nil)
    }

    @Test func exitCodeAndDuration() {
        #expect(parse(#"{"exit_code":0}"#).exitCode == 0)
        #expect(parse(#"{"exit_code":"137"}"#).exitCode == 137)
        #expect(parse(#"{"exit_code":-1.0}"#).exitCode == -1)
        #expect(parse(#"{"exit_code":"x"}"#).exitCode == nil)
        #expect(parse(#"{"duration_ms":1234.6}"#).durationMs == 1235)
        #expect(parse(#"{"duration_ms":"12.4"}"#).durationMs == 12)
        #expect(parse(#"{"duration_ms":1e30}"#).durationMs == nil)
        #expect(parse(#"{"duration_ms":1e400}"#).durationMs == nil)
    }

    @Test func kindIsCaseInsensitive() {
        #expect(parse(#"{"kind":"THOUGHT"}"#).kind == .thought)
        #expect(parse(#"{"kind":"Observation"}"#).kind == .observation)
        let unknown = parse(#"{"kind":"reflection","text":"hm"}"#)
        #expect(unknown.kind == .message)
        #expect(unknown.raw == #"{"kind":"reflection"}"#)
    }

    @Test func phases() {
        #expect(parse(#"{"phase":"strategic"}"#).phase == .strategic)
        #expect(parse(#"{"phase":"Tactical"}"#).phase == .tactical)
        #expect(parse(#"{"phase":"Reflecting"}"#).phase == Phase("Reflecting"))
        #expect(parse(#"{"phase":""}"#).phase == nil)
    }

    @Test func textFallsBackToMessageMsgContent() {
        #expect(parse(#"{"message":"m"}"#).text == "m")
        #expect(parse(#"{"msg":"m"}"#).text == "m")
        #expect(parse(#"{"content":"c"}"#).text == "c")
        let both = parse(#"{"content":"c","msg":"m","text":"t","message":"m2"}"#)
        #expect(both.text == "t")
        #expect(both.raw == #"{"content":"c","msg":"m","message":"m2"}"#)
        let duplicate = parse(#"{"text":"first","text":"second"}"#)
        #expect(duplicate.text == "second")
        #expect(duplicate.raw == #"{"text":"first"}"#)
    }

    @Test func nonStringTextIsShownAsJSON() {
        #expect(parse(#"{"text":42}"#).text == "42")
        #expect(parse(#"{"content":[{"type":"text","text":"hi"}]}"#).text == #"[{"type":"text","text":"hi"}]"#)
    }

    @Test func argsAsStringStaysAJSONString() {
        #expect(parse(#"{"args":"ls -la"}"#).args == #""ls -la""#)
        #expect(parse(#"{"args":[1,"a\nb"]}"#).args == #"[1,"a\nb"]"#)
        #expect(parse(#"{"args":{}}"#).args == "{}")
    }

    @Test func timestamps() {
        let reference = Date(timeIntervalSince1970: 1_795_926_188)
        #expect(parse(#"{"ts":"2026-11-29T06:23:08+02:00"}"#).time == reference)
        #expect(parse(#"{"ts":"2026-11-29 04:23:08.5z"}"#).time == reference.addingTimeInterval(0.5))
        #expect(parse(#"{"ts":1795926188}"#).time == reference)
        #expect(parse(#"{"ts":1795926188.5}"#).time == reference.addingTimeInterval(0.5))
        #expect(parse(#"{"ts":1795926188500}"#).time == reference.addingTimeInterval(0.5))
        #expect(parse(#"{"ts":"1795926188"}"#).time == reference)
        #expect(parse(#"{"ts":1e20}"#).time == received)
        #expect(parse(#"{"ts":-1e300}"#).time == received)
        #expect(parse(#"{"ts":"not a time"}"#).time == received)
        #expect(parse(#"{"ts":"2026-02-30T00:00:00Z"}"#).time == received)
    }

    @Test func duplicateProtocolKeysLastWins() {
        let record = parse(#"{"kind":"thought","kind":"error","seq":1,"seq":2}"#)
        #expect(record.kind == .error)
        #expect(record.agentSeq == 2)
    }

    // MARK: - Bytes and framing

    @Test func invalidUTF8IsRepaired() {
        let plain = parse(bytes: [0x61, 0xFF, 0x62, 0xC3])
        #expect(plain.text == "a\u{FFFD}b\u{FFFD}")
        let json = parse(bytes: Array(#"{"text":"a"#.utf8) + [0xFE, 0xED, 0xA0, 0x80] + Array(#"b"}"#.utf8))
        #expect(json.text.hasPrefix("a\u{FFFD}"))
        #expect(json.text.hasSuffix("b"))
        #expect(!json.text.contains("\u{FFFE}"))
    }

    @Test func byteOrderMarkIsDropped() {
        #expect(parse("\u{FEFF}" + #"{"kind":"thought","text":"x"}"#).kind == .thought)
        #expect(parse("\u{FEFF}hello").text == "hello")
    }

    @Test func lineEndingsAreStripped() {
        #expect(parse(#"{"kind":"error","text":"x"}"# + "\r\n").kind == .error)
        #expect(parse("hello\r\n").text == "hello")
        #expect(parse("hello\n").text == "hello")
        #expect(parse("  {\"text\":\"spaced\"}  \n").text == "spaced")
        #expect(parse("multi\nline").text == "multi\nline")
    }

    @Test func entryPointsAgree() {
        let line = #"{"kind":"thought","text":"é","x":1}"# + "\n"
        let expected = parse(line)
        let bytes = Array(line.utf8)
        let now = received
        #expect(parser.parse(bytes, jobID: "job-1", sourceID: "nats:7", receivedAt: now) == expected)
        #expect(parser.parse(Data(bytes), jobID: "job-1", sourceID: "nats:7", receivedAt: now) == expected)
        #expect(parser.parse(([0] + bytes)[1...], jobID: "job-1", sourceID: "nats:7", receivedAt: now) == expected)
        #expect(
            bytes.withUnsafeBytes { parser.parse($0, jobID: "job-1", sourceID: "nats:7", receivedAt: now) } == expected)
        #expect(parser.parse(bytes.lazy.map { $0 }, jobID: "job-1", sourceID: "nats:7", receivedAt: now) == expected)
    }

    // MARK: - Safety

    @Test func controlCharactersAreSanitisedEverywhere() throws {
        let record = parse(
            #"{"text":"a\u001b[2Jb\u0000c\u0007","tool":"ex\u001bec","phase":"P\u009b","args":{"k\u001b":"v\u001b]52;c;"}}"#
        )
        #expect(!record.text.contains("\u{1B}"))
        #expect(!record.text.contains("\u{00}"))
        let args = try #require(record.args)
        #expect(!args.contains("\\u001b"), "sanitised before encoding, so no escaped ESC either")
        #expect(!args.contains("\u{1B}"))
    }

    @Test func plainLinesAreSanitised() {
        let record = parse(bytes: Array("\u{1B}[31mred\u{1B}[0m\u{00}\u{7F}\u{202E}".utf8))
        #expect(!record.text.contains("\u{1B}"))
        #expect(!record.text.contains("\u{202E}"))
    }

    @Test func secretsAreRedactedEvenBehindEscapes() {
        let escaped = secret.replacingOccurrences(of: "A", with: #"\u0041"#)
        #expect(escaped != secret)
        let record = parse(#"{"text":"key \#(escaped) end","args":{"key":"\#(escaped)"},"extra":"\#(escaped)"}"#)
        for field in [record.text, record.args ?? "", record.raw ?? ""] {
            #expect(!field.contains(secretTail), "\(field)")
            #expect(field.contains("[redacted]"), "\(field)")
        }
        #expect(!parse("export OPENAI_API_KEY=\(secret)").text.contains(secretTail))
    }

    @Test func deepNestingDoesNotCrash() {
        let deep = #"{"args":"# + String(repeating: "[", count: 100_000) + "}"
        let record = parse(deep)
        #expect(record.kind == .message)
        #expect(record.text.hasPrefix(#"{"args":[[["#))
        let allowed =
            #"{"kind":"action","args":"# + String(repeating: "[", count: 63) + String(repeating: "]", count: 63) + "}"
        #expect(parse(allowed).kind == .action)
    }

    @Test func hugeNumbersDoNotCrash() {
        let record = parse(#"{"seq":1e999999,"exit_code":99999999999999999999999,"duration_ms":-1e400,"args":[1e400]}"#)
        #expect(record.agentSeq == nil)
        #expect(record.exitCode == nil)
        #expect(record.durationMs == nil)
        #expect(record.args == "[null]")
    }

    // MARK: - Size

    @Test func humanSizes() {
        #expect(TraceLineParser.humanSize(0) == "0 B")
        #expect(TraceLineParser.humanSize(999) == "999 B")
        #expect(TraceLineParser.humanSize(1500) == "1.5 kB")
        #expect(TraceLineParser.humanSize(9_500_000) == "9.5 MB")
        #expect(TraceLineParser.humanSize(999_999) == "1.0 MB")
        #expect(TraceLineParser.humanSize(Int.max).hasSuffix(" EB"))
    }

    @Test func tenMegabyteJSONLineIsParsedAndCut() throws {
        let limit = TraceLineParser.defaultMaxLineBytes
        let text = String(repeating: "é", count: 5_000_000)  // 10 MB of two-byte scalars
        let line =
            #"{"kind":"thought","tool":"t","text":""# + text + #"","args":{"a":"x","big":""#
            + String(repeating: "é", count: 1_000_000) + #""}}"#
        let record = parse(line)
        #expect(record.kind == .thought, "still parsed")
        #expect(record.tool == "t")
        #expect(record.truncated)
        let cutText = record.text
        #expect(cutText.utf8.count <= limit + 32)
        #expect(cutText.utf8.count >= limit - 4)
        #expect(cutText.hasSuffix(" …[truncated 9.0 MB]"))
        #expect(cutText.hasPrefix("éé"))
        #expect(!cutText.contains("\u{FFFD}"), "cut on a scalar boundary")
        let args = try #require(record.args)
        #expect(args.utf8.count <= limit + 64)
        #expect(args.hasSuffix(#" …[truncated 951.4 kB]"}"#), "cut inside the string, still JSON")
        let reparsed = try JSONParser().parse(args)
        #expect(reparsed["a"] == "x")
    }

    @Test func tenMegabytePlainLineIsCut() {
        let line = String(repeating: "plain ", count: 1_700_000)
        let record = parse(line)
        #expect(record.kind == .message)
        #expect(record.truncated)
        #expect(record.text.utf8.count <= TraceLineParser.defaultMaxLineBytes + 32)
        #expect(record.text.hasSuffix(" …[truncated 9.2 MB]"))
    }

    @Test func lineOverTheHardCapIsNotParsed() {
        let limit = TraceLineParser.defaultMaxLineBytes
        let line = #"{"kind":"thought","text":""# + String(repeating: "x", count: 16 * limit) + #""}"#
        let record = parse(line)
        #expect(record.kind == .message, "not parsed")
        #expect(record.truncated)
        #expect(record.text.hasPrefix(#"{"kind":"thought","text":"xxx"#))
        #expect(record.text.hasSuffix(" …[truncated 15.7 MB]"))
    }

    @Test func smallLimitRules() {
        let small = TraceLineParser(maxLineBytes: 16)
        let short = parse(#"{"text":"0123456789"}"#, with: small)
        #expect(short.text == "0123456789")
        #expect(short.truncated, "the line itself is over the limit")
        let cut = parse(#"{"kind":"error","text":"0123456789abcdefghij","x":"y"}"#, with: small)
        #expect(cut.kind == .error)
        #expect(cut.text == "0123456789abcdef …[truncated 4 B]")
        #expect(cut.raw == #"{"x":"y"}"#)
        let unparsed = parse(#"{"text":""# + String(repeating: "z", count: 16 * 16) + #""}"#, with: small)
        #expect(unparsed.kind == .message)
        #expect(unparsed.text.hasPrefix(#"{"text":"zzzzzzz"#))
        let multibyte = parse(String(repeating: "€", count: 10), with: small)
        #expect(multibyte.text == "€€€€€ …[truncated 15 B]")
    }

    @Test func secretStraddlingTheCutIsRedactedWhole() {
        let small = TraceLineParser(maxLineBytes: 40)
        let prefix = String(repeating: "x", count: 30) + " "
        for line in [prefix + secret + " tail", #"{"text":""# + prefix + secret + #" tail"}"#] {
            let record = parse(line, with: small)
            #expect(record.truncated)
            #expect(!record.text.contains("AbCdEfGh"), "\(record.text)")
        }
        let overHardCap = prefix + secret + String(repeating: " y", count: 16 * 40)
        #expect(!parse(overHardCap, with: small).text.contains("AbCdEfGh"))
    }

    @Test func degenerateLimitsAreClamped() {
        #expect(TraceLineParser(maxLineBytes: 0).maxLineBytes == 1)
        #expect(TraceLineParser(maxLineBytes: .max).maxLineBytes == .max / 32)
        #expect(parse("ab", with: TraceLineParser(maxLineBytes: -5)).text == "a …[truncated 1 B]")
    }

    // MARK: - Fuzz

    @Test func randomLinesNeverCrashAndStaySafe() {
        var rng = SeededRandom(seed: 0xF11D)
        let seeds = [
            #"{"ts":"2026-11-29T04:23:08Z","seq":1,"kind":"action","phase":"TACTICAL","text":"run","tool":"x","args":{"a":[1,"b"]},"exit_code":0,"duration_ms":5,"extra":"\u001b"}"#,
            #"{"message":"\ud800 \u202e \u0000","content":[1e400,-0,"\\"]}"#,
            "plain text with \u{1B}[2J and \u{9B} and \u{2066}",
        ].map { Array($0.utf8) }
        let small = TraceLineParser(maxLineBytes: 24)
        for iteration in 0..<5000 {
            var bytes: [UInt8]
            if iteration % 3 == 0 {
                bytes = (0..<Int.random(in: 0..<200, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            } else {
                bytes = seeds.randomElement(using: &rng)!
                for _ in 0..<Int.random(in: 0..<6, using: &rng) where !bytes.isEmpty {
                    let index = Int.random(in: 0..<bytes.count, using: &rng)
                    switch Int.random(in: 0..<3, using: &rng) {
                    case 0: bytes[index] = UInt8.random(in: 0...255, using: &rng)
                    case 1: bytes.remove(at: index)
                    default: bytes.insert(UInt8.random(in: 0...255, using: &rng), at: index)
                    }
                }
            }
            let chosen = iteration % 2 == 0 ? parser : small
            let record = chosen.parse(bytes, jobID: "j", sourceID: "s", receivedAt: received)
            expectTerminalSafe(record)
            if chosen.maxLineBytes == 24 {
                #expect(record.text.utf8.count <= 24 + 32)
            }
        }
    }
}
