import Foundation
import FlightdeckTestSupport
import Testing

@testable import FlightdeckCore

@Suite("RFC3339")
struct RFC3339Tests {
    /// 2026-11-29T04:23:08Z
    private let reference: TimeInterval = 1_795_926_188

    private func seconds(_ text: String) -> TimeInterval? {
        RFC3339.date(from: text)?.timeIntervalSince1970
    }

    // MARK: - Parsing

    @Test func basicUTC() {
        #expect(seconds("2026-11-29T04:23:08Z") == reference)
        #expect(seconds("1970-01-01T00:00:00Z") == 0)
        #expect(seconds("2024-02-29T12:00:00Z") == 1_709_208_000)
        #expect(seconds("1969-07-20T20:17:40Z") == -14_182_940)
        #expect(seconds("0001-01-01T00:00:00Z") == -62_135_596_800)
    }

    @Test func variants() {
        #expect(seconds("2026-11-29t04:23:08z") == reference)
        #expect(seconds("2026-11-29 04:23:08Z") == reference)
        #expect(seconds("  2026-11-29T04:23:08Z  ") == reference)
        #expect(seconds("2026-11-29T04:23:08") == reference, "no offset reads as UTC")
    }

    @Test func fractions() throws {
        #expect(seconds("2026-11-29T04:23:08.5Z") == reference + 0.5)
        let micro = try #require(seconds("2026-11-29T04:23:08.123456Z"))
        #expect(abs(micro - (reference + 0.123456)) < 1e-6)
        let long = try #require(seconds("2026-11-29T04:23:08.123456789123456789123Z"))
        #expect(abs(long - (reference + 0.123456789)) < 1e-6)
        #expect(seconds("2026-11-29T04:23:08,25Z") == reference + 0.25)
        #expect(seconds("2026-11-29T04:23:08.Z") == nil)
    }

    @Test func offsets() {
        #expect(seconds("2026-11-29T06:23:08+02:00") == reference)
        #expect(seconds("2026-11-28T22:53:08-05:30") == reference)
        #expect(seconds("2026-11-29T06:23:08+0200") == reference)
        #expect(seconds("2026-11-29T06:23:08+02") == reference)
        #expect(seconds("2026-11-29T04:23:08+00:00") == reference)
        #expect(seconds("2026-11-29T04:23:08-00:00") == reference)
        #expect(seconds("2026-11-29T06:23:08.5+02:00") == reference + 0.5)
    }

    @Test func leapSecondRollsOver() {
        #expect(seconds("2016-12-31T23:59:60Z") == seconds("2017-01-01T00:00:00Z"))
    }

    @Test(arguments: [
        "", "garbage", "2026-11-29", "2026-11-29T04:23Z", "2026-13-01T00:00:00Z", "2026-00-01T00:00:00Z",
        "2026-11-31T00:00:00Z", "2026-02-29T00:00:00Z", "2026-11-29T24:00:00Z", "2026-11-29T04:60:00Z",
        "2026-11-29T04:23:61Z", "2026-11-29T04:23:08+24:00", "2026-11-29T04:23:08+02:60", "2026-11-29T04:23:08+2",
        "2026-11-29T04:23:08ZZ", "2026-11-29T04:23:08Z junk", "2026-11-29X04:23:08Z", "26-11-29T04:23:08Z",
        "2026-1-29T04:23:08Z", "+2026-11-29T04:23:08Z", "2026-11-29T04:23:08+02:00:00", "２０２６-11-29T04:23:08Z",
    ])
    func invalid(_ text: String) {
        #expect(RFC3339.date(from: text) == nil)
    }

    @Test func bytesEntryPoint() {
        let bytes = Array("2026-11-29T04:23:08Z".utf8)
        #expect(bytes.withUnsafeBufferPointer { RFC3339.date(from: $0) }?.timeIntervalSince1970 == reference)
    }

    // MARK: - Formatting

    @Test func formatting() {
        #expect(RFC3339.string(from: Date(timeIntervalSince1970: reference)) == "2026-11-29T04:23:08.000Z")
        #expect(RFC3339.string(from: Date(timeIntervalSince1970: reference + 0.1239)) == "2026-11-29T04:23:08.123Z")
        #expect(RFC3339.string(from: Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000Z")
        #expect(RFC3339.string(from: Date(timeIntervalSince1970: -0.001)) == "1969-12-31T23:59:59.999Z")
        #expect(RFC3339.string(from: Date(timeIntervalSince1970: -0.0001)) == "1969-12-31T23:59:59.999Z")
        #expect(RFC3339.string(from: Date(timeIntervalSince1970: 1_709_208_000)) == "2024-02-29T12:00:00.000Z")
    }

    @Test func formattingClampsWhatItCannotWrite() {
        #expect(RFC3339.string(from: Date(timeIntervalSince1970: 1e300)) == "9999-12-31T23:59:59.999Z")
        #expect(RFC3339.string(from: Date(timeIntervalSince1970: -1e300)) == "0000-01-01T00:00:00.000Z")
        #expect(RFC3339.string(from: Date(timeIntervalSince1970: .infinity)) == "9999-12-31T23:59:59.999Z")
        #expect(RFC3339.string(from: Date(timeIntervalSince1970: .nan)) == "1970-01-01T00:00:00.000Z")
        #expect(RFC3339.string(from: .distantFuture).hasPrefix("4001-01-01T00:00:00"))
    }

    @Test func formatThenParseRoundTrips() {
        var rng = SeededRandom(seed: 3339)
        for _ in 0..<5000 {
            let milliseconds = Int64.random(in: -62_000_000_000_000...253_000_000_000_000, using: &rng)
            let date = Date(timeIntervalSince1970: Double(milliseconds) / 1000)
            let text = RFC3339.string(from: date)
            #expect(text.utf8.count == 24)
            let parsed = RFC3339.date(from: text)
            #expect(parsed.map { abs($0.timeIntervalSince(date)) < 0.0015 } == true, "\(text)")
        }
    }

    /// Days-from-civil against Foundation's calendar (which turns Julian before 1582, so
    /// only later years compare), and against its own inverse over the whole range.
    @Test func calendarArithmeticMatchesFoundation() throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = try #require(TimeZone(identifier: "UTC"))
        var rng = SeededRandom(seed: 1582)
        for _ in 0..<2000 {
            let year = Int.random(in: 1583...9999, using: &rng)
            let month = Int.random(in: 1...12, using: &rng)
            let day = Int.random(in: 1...Int(RFC3339.daysInMonth(year: Int64(year), month: Int64(month))), using: &rng)
            let components = DateComponents(year: year, month: month, day: day)
            let expected = try #require(calendar.date(from: components)).timeIntervalSince1970
            let days = RFC3339.daysFromCivil(year: Int64(year), month: Int64(month), day: Int64(day))
            #expect(Double(days * 86_400) == expected, "\(year)-\(month)-\(day)")
            #expect(RFC3339.civil(fromDays: days) == (year, month, day))
        }
        for days in stride(from: RFC3339.daysFromCivil(year: 0, month: 1, day: 1), through: 2_932_896, by: 7) {
            let (year, month, day) = RFC3339.civil(fromDays: days)
            #expect(RFC3339.daysFromCivil(year: Int64(year), month: Int64(month), day: Int64(day)) == days)
        }
    }
}
