import FlightdeckApp
import FlightdeckTestSupport
import Foundation
import Testing

/// The screen at the top of the README is the one the cockpit draws: this fails when they
/// differ. `script/readme-screen` (which sets `FLIGHTDECK_WRITE_README_SCREEN=1`) writes the
/// README's block from the cockpit instead.
@Suite struct READMEScreenTests {
    static let begin = "<!-- screen: written by script/readme-screen; do not edit by hand -->\n```text\n"
    static let end = "```\n<!-- /screen -->"

    static var readme: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("README.md")
    }

    @Test func theREADMEShowsTheScreenTheCockpitDraws() async throws {
        let directory = TemporaryDirectory("flightdeck-readme-screen")
        let rows = try await DemoScreen.capture(directory: directory.path)
        #expect(rows.count == DemoScreen.height)
        let screen = rows.joined(separator: "\n") + "\n"

        let text = try String(contentsOf: Self.readme, encoding: .utf8)
        let start = try #require(text.range(of: Self.begin), "the README has no screen block")
        let stop = try #require(text.range(of: Self.end, range: start.upperBound..<text.endIndex))
        let shown = String(text[start.upperBound..<stop.lowerBound])
        if ProcessInfo.processInfo.environment["FLIGHTDECK_WRITE_README_SCREEN"] == "1" {
            let updated = text.replacingCharacters(in: start.upperBound..<stop.lowerBound, with: screen)
            try updated.write(to: Self.readme, atomically: true, encoding: .utf8)
            return
        }
        let readmeRows = shown.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
        let row = Array(zip(readmeRows, rows)).firstIndex { $0 != $1 } ?? min(readmeRows.count, rows.count)
        let same = readmeRows == rows  // (not in the expectation: it would print both screens whole)
        #expect(same, """
            the README's screen is not what the cockpit draws (first at row \(row + 1) of \(rows.count)): \
            run script/readme-screen
            README:  \(row < readmeRows.count ? readmeRows[row] : "(none)")
            cockpit: \(row < rows.count ? rows[row] : "(none)")
            """)
    }

    @Test func theSameMomentDrawsTheSameScreen() async throws {
        let first = TemporaryDirectory("flightdeck-readme-screen")
        let second = TemporaryDirectory("flightdeck-readme-screen")
        let a = try await DemoScreen.capture(directory: first.path)
        let b = try await DemoScreen.capture(directory: second.path)
        #expect(a == b)
        #expect(a.contains { $0.contains("Trace: agent-") }, "a job is selected and its trace shown")
    }
}
