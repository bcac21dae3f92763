import FlightdeckTestSupport
import Foundation
import Testing

/// `flightdeck jobs` with the token use history keeps and the config's prices, as an operator
/// runs it: a trace with `usage` lines imported, then listed offline as a table and as JSON.
@Suite(.timeLimit(.minutes(2))) struct JobCostCommandTests {
    let flightdeck = ProductProcess("flightdeck")
    let dir = TemporaryDirectory()

    var env: [String: String] {
        ["FLIGHTDECK_HISTORY_DB": dir.file("history.db"), "HOME": dir.path, "KUBECONFIG": "", "LANG": "C.UTF-8"]
    }

    func importTrace(_ job: String, _ lines: [String]) async throws {
        let file = dir.file("\(job).log")
        try lines.joined(separator: "\n").write(toFile: file, atomically: true, encoding: .utf8)
        let imported = try await flightdeck.run(["history", "import", "--job", job, file], environment: env)
        #expect(imported.status == 0, "\(imported.stderr)")
    }

    @Test func jobsShowsTokensAndCostFromHistoryAndThePriceTable() async throws {
        try """
            prices:
              currency: EUR
              models:
                gpt-4o: {input: 2.50, output: 10.00}
                "qwen2.5-coder:32b": {input: 0, output: 0}
            """.write(toFile: dir.file("config.yaml"), atomically: true, encoding: .utf8)
        try await importTrace("priced1", [
            #"{"ts":"2026-11-29T07:00:00Z","kind":"thought","text":"plan","usage":{"input_tokens":100000,"output_tokens":2000,"model":"gpt-4o"}}"#,
            #"{"ts":"2026-11-29T07:00:01Z","kind":"action","tool":"execute","args":{"command":"pytest"}}"#,
            #"{"ts":"2026-11-29T07:00:02Z","kind":"thought","text":"fix","usage":{"input_tokens":20000,"output_tokens":1000,"model":"qwen2.5-coder:32b"}}"#,
        ])
        try await importTrace("unpriced2", [
            #"{"ts":"2026-11-29T08:00:00Z","kind":"thought","text":"plan","usage":{"input_tokens":500,"output_tokens":20,"model":"mystery-model"}}"#,
        ])
        try await importTrace("quiet3", [#"{"ts":"2026-11-29T09:00:00Z","kind":"thought","text":"no usage reported"}"#])

        let table = try await flightdeck.run(["jobs", "--offline", "--config", dir.file("config.yaml")], environment: env)
        #expect(table.status == 0, "\(table.stderr)")
        let rows = table.stdout.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init) }
        #expect(rows.first?.contains("TOKENS") == true && rows.first?.contains("COST") == true, "\(table.stdout)")
        func row(_ name: String) -> [String] { rows.first { $0.first == name } ?? [] }
        // 100k × 2.50 + 2k × 10.00 per million = 0.25 + 0.02; the local model costs nothing.
        #expect(row("priced1").contains("123k") && row("priced1").contains("€0.27"), "\(table.stdout)")
        #expect(row("unpriced2").contains("520") && row("unpriced2").contains("?"), "\(table.stdout)")
        #expect(row("quiet3").suffix(2) == ["-", "-"], "\(table.stdout)")

        let json = try await flightdeck.run(["jobs", "--offline", "--config", dir.file("config.yaml"), "-o", "json"], environment: env)
        #expect(json.status == 0, "\(json.stderr)")
        let objects = json.stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        let byID = Dictionary(objects.compactMap { object in (object["id"] as? String).map { ($0, object) } }) { first, _ in first }
        let priced = try #require(byID["priced1"])
        #expect(priced["cost"] as? String == "0.27" && priced["currency"] as? String == "EUR")
        let tokens = try #require(priced["tokens"] as? [String: Any])
        #expect(tokens["input"] as? Int == 120_000 && tokens["output"] as? Int == 3_000)
        #expect((tokens["byModel"] as? [String: [String: Int]])?["qwen2.5-coder:32b"] == ["input": 20_000, "output": 1_000])
        let unpriced = try #require(byID["unpriced2"])
        #expect(unpriced["cost"] is NSNull)
        #expect(unpriced["unpricedModels"] as? [String] == ["mystery-model"])
        #expect(byID["quiet3"]?["cost"] as? String == "0")

        // No price table: nothing is priced, and nothing is guessed.
        let unconfigured = try await flightdeck.run(["jobs", "--offline"], environment: env)
        #expect(unconfigured.status == 0, "\(unconfigured.stderr)")
        #expect(unconfigured.stdout.split(separator: "\n").first { $0.hasPrefix("priced1") }?.contains("?") == true,
            "\(unconfigured.stdout)")

        // A bad price is one line naming the file, line, column and field.
        try "prices:\n  models:\n    gpt-4o: {input: lots, output: 1}\n".write(toFile: dir.file("bad.yaml"), atomically: true,
            encoding: .utf8)
        let bad = try await flightdeck.run(["jobs", "--offline", "--config", dir.file("bad.yaml")], environment: env)
        #expect(bad.status != 0 && bad.stderr.split(separator: "\n").count == 1, "\(bad.stderr)")
        #expect(bad.stderr.contains("bad.yaml:3:21: prices.models.gpt-4o.input should be"), "\(bad.stderr)")
    }
}
