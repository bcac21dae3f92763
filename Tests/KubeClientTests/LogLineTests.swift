import Foundation
@testable import KubeClient
import Testing

/// A kubelet-stamped line is split into its stamp (kept byte for byte), its instant and its
/// text, from a whole line or from a slice of a network chunk.
@Suite struct LogLineTests {
    @Test func aLineKeepsItsStampAndText() throws {
        let line = try #require(LogLine.parse(Array("2026-11-29T07:20:54.2991Z {\"kind\":\"thought\"}".utf8)))
        #expect(line.timestamp == "2026-11-29T07:20:54.2991Z")
        #expect(line.instant == LogInstant(seconds: 1_795_936_854, nanoseconds: 299_100_000))
        #expect(line.text == Array("{\"kind\":\"thought\"}".utf8))
    }

    @Test func aSliceOfAChunkParsesAsTheSameLine() throws {
        let chunk = Array("2026-11-29T07:20:54Z first\n2026-11-29T07:20:55.123456789Z second line\n".utf8)
        var splitter = LineSplitter(maxLine: 1 << 20)
        var lines: [LogLine] = []
        let tooLong = splitter.forEachLine(in: chunk) { raw in if let line = LogLine.parse(raw) { lines.append(line) } }
        #expect(tooLong == nil)
        #expect(lines.map(\.timestamp) == ["2026-11-29T07:20:54Z", "2026-11-29T07:20:55.123456789Z"])
        #expect(lines.map { String(decoding: $0.text, as: UTF8.self) } == ["first", "second line"])
        #expect(lines[1] == LogLine.parse(Array("2026-11-29T07:20:55.123456789Z second line".utf8)))
    }

    @Test func aLineSplitAcrossChunksIsWhole() {
        var splitter = LineSplitter(maxLine: 1 << 20)
        var lines: [String] = []
        for part in ["2026-11-29T07:20:54Z hel", "lo\n2026-11-29T07:20:5", "4Z world\n"] {
            _ = splitter.forEachLine(in: Array(part.utf8)) { raw in
                if let line = LogLine.parse(raw) { lines.append(line.timestamp + "|" + String(decoding: line.text, as: UTF8.self)) }
            }
        }
        #expect(lines == ["2026-11-29T07:20:54Z|hello", "2026-11-29T07:20:54Z|world"])
    }

    @Test func aCarriedOverLineLongerThanTheLimitIsReported() {
        var splitter = LineSplitter(maxLine: 8)
        let tooLong = splitter.forEachLine(in: Array("no newline in sight".utf8)) { _ in }
        #expect(tooLong?.limit == 8)
    }

    @Test func fingerprintsTellLinesApartWhateverTheirLength() throws {
        var seen = Set<UInt64>()
        for length in 0..<40 {
            for variant in ["a", "b"] {
                let text = String(repeating: "x", count: length) + variant
                let line = try #require(LogLine.parse(Array("2026-11-29T07:20:54Z \(text)".utf8)))
                #expect(seen.insert(LogResume.fingerprint(line)).inserted, "\(text)")
            }
        }
        let a = try #require(LogLine.parse(Array("2026-11-29T07:20:54.000000001Z same".utf8)))
        let b = try #require(LogLine.parse(Array("2026-11-29T07:20:54.000000002Z same".utf8)))
        #expect(LogResume.fingerprint(a) != LogResume.fingerprint(b), "the stamp counts")
        #expect(LogResume.fingerprint(a) == LogResume.fingerprint(try #require(LogLine.parse(Array("2026-11-29T07:20:54.000000001Z same".utf8)))))
    }
}
