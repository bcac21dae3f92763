import Foundation
import Testing

/// Golden files: `Golden/<name>` next to this file holds the exact expected text.
///
/// To regenerate after an intended change: `FLIGHTDECK_UPDATE_GOLDEN=1 swift test --filter
/// AgentManifestsTests`, then review the diff (`git diff Tests/AgentManifestsTests/Golden`).
enum Golden {
    static var directory: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")
    }

    static var updating: Bool { ProcessInfo.processInfo.environment["FLIGHTDECK_UPDATE_GOLDEN"] == "1" }

    static func check(_ name: String, _ actual: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let url = directory.appendingPathComponent(name)
        if updating {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try actual.write(to: url, atomically: true, encoding: .utf8)
            return
        }
        guard let expected = try? String(contentsOf: url, encoding: .utf8) else {
            Issue.record("missing golden file \(url.path): run with FLIGHTDECK_UPDATE_GOLDEN=1 to create it",
                sourceLocation: sourceLocation)
            return
        }
        if expected != actual {
            let expectedLines = expected.split(separator: "\n", omittingEmptySubsequences: false)
            let actualLines = actual.split(separator: "\n", omittingEmptySubsequences: false)
            let index = zip(expectedLines, actualLines).enumerated().first { $0.element.0 != $0.element.1 }?.offset
                ?? min(expectedLines.count, actualLines.count)
            let want = index < expectedLines.count ? String(expectedLines[index]) : "<end of file>"
            let got = index < actualLines.count ? String(actualLines[index]) : "<end of file>"
            Issue.record("""
                \(name) differs from the golden file at line \(index + 1):
                  golden: \(want)
                  actual: \(got)
                (if intended: FLIGHTDECK_UPDATE_GOLDEN=1 swift test --filter AgentManifestsTests, then review git diff)
                """, sourceLocation: sourceLocation)
        }
    }
}
