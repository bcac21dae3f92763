import FlightdeckTestSupport
import Foundation
import Testing

/// Where `systemd-analyze` is, if the systemd package is installed.
private let systemdAnalyze = ["/usr/bin/systemd-analyze", "/bin/systemd-analyze"].first {
    FileManager.default.isExecutableFile(atPath: $0)
}

/// The systemd unit shipped for `flightdeck record` (docs/examples): systemd accepts it as
/// written, and its command line is one `flightdeck` parses.
@Suite(.enabled(if: systemdAnalyze != nil, "systemd-analyze is not installed (the systemd package)"))
struct RecordUnitTests {
    static let unit = TracePipelineTests.root.appendingPathComponent("docs/examples/flightdeck-record.service").path
    let flightdeck = ProductProcess("flightdeck")
    let dir = TemporaryDirectory()

    /// `systemd-analyze verify` of the unit, with its `ExecStart` pointed at the built binary
    /// (the unit names `~/.local/bin/flightdeck`, where an operator installs it).
    func verify(_ text: String) async throws -> ProductProcess.Result {
        let path = dir.file("flightdeck-record.service")
        try text.replacingOccurrences(of: "%h/.local/bin/flightdeck", with: flightdeck.executable.path)
            .write(toFile: path, atomically: true, encoding: .utf8)
        return try await ProductProcess(executable: URL(fileURLWithPath: systemdAnalyze!)).run(["verify", path])
    }

    @Test func systemdAcceptsTheUnitAsShipped() async throws {
        let text = try String(contentsOfFile: Self.unit, encoding: .utf8)
        let result = try await verify(text)
        #expect(result.status == 0 && result.stderr.isEmpty, "\(result.stderr)")
        // The check does catch a bad directive.
        let broken = try await verify(text.replacingOccurrences(of: "Type=exec", with: "Type=exek"))
        #expect(broken.stderr.contains("exek"), "\(broken.stderr)")
    }

    @Test func itsCommandLineIsOneFlightdeckParses() async throws {
        let text = try String(contentsOfFile: Self.unit, encoding: .utf8)
        let line = try #require(text.split(separator: "\n").first { $0.hasPrefix("ExecStart=") })
        let words = line.dropFirst("ExecStart=".count).split(separator: " ").map(String.init)
        #expect(words.first == "%h/.local/bin/flightdeck")
        let parsed = try await flightdeck.run(Array(words.dropFirst()) + ["--help"])
        #expect(parsed.status == 0, "\(parsed.stderr)")
        #expect(parsed.stdout.contains("flightdeck record"))
    }
}
