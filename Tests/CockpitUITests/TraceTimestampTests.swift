@testable import CockpitUI
import FlightdeckCore
import Foundation
import FlightdeckTestSupport
import Testing

/// The trace's clock column, in the cockpit's time zone, daylight saving included.
@Suite struct TraceTimestampTests {
    func stamp(_ time: Date, zone: String) -> String {
        var state = CockpitState(width: 120, height: 40, now: time, timeZone: TimeZone(identifier: zone)!)
        state.glyphs = .unicode
        let record = TraceRecord(jobID: "j", seq: 1, sourceID: "t:1", time: time, kind: .thought, phase: .strategic, text: "x")
        let line = state.traceLines.lines(for: record, unfolded: false)[0]
        return line.map(\.text).joined()
    }

    @Test func clockColumnsFollowTheZone() {
        // 2026-07-01 09:05:07 UTC and 2026-01-01 09:05:07 UTC.
        let summer = Date(timeIntervalSince1970: 1_782_896_707)
        let winter = Date(timeIntervalSince1970: 1_767_258_307)
        #expect(stamp(summer, zone: "UTC").hasPrefix("09:05:07 S think"))
        #expect(stamp(summer, zone: "Europe/Berlin").hasPrefix("11:05:07 S "))
        #expect(stamp(winter, zone: "Europe/Berlin").hasPrefix("10:05:07 S "))
        #expect(stamp(winter, zone: "Asia/Kolkata").hasPrefix("14:35:07 S "))
        #expect(stamp(Date(timeIntervalSince1970: 86_399), zone: "UTC").hasPrefix("23:59:59"))
    }

    @Test func phaseLetters() {
        #expect(TraceLines.phaseLetter(.strategic) == "S ")
        #expect(TraceLines.phaseLetter(.tactical) == "T ")
        #expect(TraceLines.phaseLetter(nil) == "  ")
        #expect(TraceLines.phaseLetter(Phase("REVIEW")) == "R ")
    }
}

/// `count(for:)` answers without laying records out; it must agree with the layout.
@Suite struct TraceLineCountTests {
    @Test func countsAgreeWithTheLayout() {
        let state = CockpitState(width: 120, height: 40, now: Date(timeIntervalSince1970: 0), timeZone: TimeZone(identifier: "UTC")!)
        let lines = state.traceLines
        var records = (1...60).map { CockpitFixtures.record(job: "j", seq: Int64($0)) }
        let texts = ["", "\n", "a\n", "a\n\n", "\n\na", "one\ntwo\nthree\nfour\nfive\nsix\nseven\n", "x\r\ny", "\u{1B}[2J\nz"]
        for (index, text) in texts.enumerated() {
            for kind in TraceKind.allCases {
                records.append(TraceRecord(jobID: "j", seq: Int64(100 + index), sourceID: "e", time: Date(), kind: kind,
                    text: text, tool: kind == .action && index % 2 == 0 ? "execute" : nil,
                    exitCode: kind == .observation && index % 3 == 0 ? 1 : nil, truncated: index == 4))
            }
        }
        for record in records {
            for unfolded in [false, true] {
                #expect(lines.count(for: record, unfolded: unfolded) == lines.lines(for: record, unfolded: unfolded).count,
                        "\(record.kind) \(record.text.debugDescription) unfolded \(unfolded)")
            }
        }
    }
}
