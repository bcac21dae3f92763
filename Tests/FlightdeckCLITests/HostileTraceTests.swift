import FlightdeckTestSupport
import Foundation
import Testing

/// Agent output is written by an LLM that runs code: hostile bytes go in through the real
/// import path, and what lands on disk is checked by an independent SQLite client.
@Suite struct HostileTraceTests {
    let flightdeck = ProductProcess("flightdeck")
    let dir = TemporaryDirectory()

    /// Secret bodies, assembled at run time so no token-shaped literal sits in the repository.
    static let openAI = "sk-" + "proj-" + String(repeating: "Tq8vW2xZ", count: 6)
    static let github = "ghp" + "_" + String(repeating: "aZ09bY18", count: 5)
    static let aws = "AKIA" + "QWERTYUIOPASDFGH"
    static let pemBody = String(repeating: "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC", count: 3)

    func hostileLines() -> [[UInt8]] {
        let esc = "\u{1B}"
        var lines: [String] = [
            "\(esc)[2J\(esc)[H\(esc)[31mred alert\(esc)[0m cursor home and clear",
            "\(esc)]0;pwned title\u{07}\(esc)]52;c;ZXZpbCBjbGlwYm9hcmQ=\u{07}\(esc)]8;;http://evil.example\(esc)\\click\(esc)]8;;\(esc)\\",
            "\(esc)P+q544e\(esc)\\ \(esc)_apc payload\(esc)\\ \(esc)^pm payload\(esc)\\",
            "\u{9B}31m eight-bit CSI \u{9D}0;title\u{9C}",
            "safe text\rEVIL overwrite",
            "rm -rf /tmp/x\u{08}\u{08}\u{08}\u{08}\u{08}ls -la\u{7F}",
            "access\u{202E}txt.exe\u{202C} \u{2066}isolate\u{2069} zero\u{200B}width\u{200D}joiner \u{E0041}\u{E0042}",
            #"{"kind":"thought","text":"key is \#(Self.openAI)","phase":"STRATEGIC\u001b[2J"}"#,
            #"{"kind":"action","tool":"exec\u001b]0;x\u0007ute","args":{"command":"curl -H 'Authorization: Bearer \#(Self.github)' x","env":{"AWS_ACCESS_KEY_ID":"\#(Self.aws)"}}}"#,
            #"{"kind":"observation","text":"-----BEGIN RSA PRIVATE KEY-----\n\#(Self.pemBody)\n-----END RSA PRIVATE KEY-----","exit_code":0,"note\u001b[31m":"\u009b1m \#(Self.openAI)"}"#,
            "plain line with \(Self.github) inside",
            "{\"kind\": \"thought\", \"text\": \"broken json \(esc)[5m",
        ]
        lines.append(String(repeating: "A", count: 1 << 20))  // 1 MB
        lines.append(#"{"kind":"observation","text":""# + String(repeating: "x", count: 10 << 20) + #""}"#)  // 10 MB JSON
        var bytes = lines.map { Array($0.utf8) }
        bytes.append([0x66, 0x6F, 0xFF, 0xFE, 0x00, 0x6F, 0xC3, 0x28, 0xED, 0xA0, 0x80])  // invalid UTF-8 and NUL
        bytes.append(Array(String(repeating: "B", count: 12 << 20).utf8) + [0x1B, 0x5B, 0x32, 0x4A])  // 12 MB plain
        return bytes
    }

    @Test func hostileRecordsAreStoredSafelyAndRedacted() async throws {
        let db = dir.file("history.db")
        let file = dir.file("hostile.log")
        var data = Data()
        for line in hostileLines() {
            data.append(contentsOf: line)
            data.append(0x0A)
        }
        try data.write(to: URL(fileURLWithPath: file))
        let result = try await flightdeck.run(["history", "import", "--history-db", db, "--job", "hostile", file])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(await SQLiteProbe.scalar(db, "SELECT count(*) FROM trace") == String(hostileLines().count))

        // Every stored string, in every column, of every table.
        let audit = try await HistoryAudit.run(db, secrets: [Self.openAI, Self.github, Self.aws, Self.pemBody,
            String(Self.openAI.dropFirst(12)), String(Self.github.dropFirst(4))])
        #expect(audit.problems.isEmpty, "\(audit.output)")
        #expect(audit.longest < 1_100_000, "10 MB lines are cut to about 1 MiB: \(audit.longest)")

        // The markers say what happened, and hints say what was there.
        #expect(await SQLiteProbe.scalar(db, "SELECT count(*) FROM trace WHERE truncated = 1") == "2")
        #expect(await SQLiteProbe.scalar(db, "SELECT count(*) FROM trace WHERE text LIKE '%[truncated%'") == "2")
        #expect(await SQLiteProbe.scalar(db, "SELECT count(*) FROM trace WHERE text LIKE '%sk-proj-…[redacted]%'") == "1")
        #expect(await SQLiteProbe.scalar(db, "SELECT text FROM trace WHERE seq = 1").hasPrefix("^[[2J^[[H"))

        // And shown safely: `flightdeck logs`, as text and as JSON, carries no control byte
        // (beyond its own newlines) and no secret.
        for format in ["text", "json"] {
            let shown = try await flightdeck.run(["logs", "hostile", "--history-db", db, "-o", format])
            #expect(shown.status == 0, "\(shown.stderr)")
            let bytes = Array(shown.stdout.utf8)
            #expect(!bytes.contains { ($0 < 0x20 && $0 != 0x0A) || $0 == 0x7F }, "control bytes in logs -o \(format)")
            #expect(!shown.stdout.unicodeScalars.contains { (0x80...0x9F).contains($0.value) || (0x202A...0x202E).contains($0.value) })
            for secret in [Self.openAI, Self.github, Self.aws, Self.pemBody] {
                #expect(!shown.stdout.contains(secret), "a secret in logs -o \(format)")
            }
            #expect(shown.stdout.split(separator: "\n").count == hostileLines().count)
        }
    }
}
