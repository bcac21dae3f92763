import Testing
@testable import KubeClient

@Suite struct LogResumeTests {
    func line(_ stamp: String, _ text: String) -> LogLine {
        LogLine.parse(Array("\(stamp) \(text)".utf8))!
    }

    /// Two runs of a container in one second: a reconnect that reaches the new run replays
    /// only its lines — those already delivered are skipped, the rest pass.
    @Test func twoRunsInOneSecondAreNeitherLostNorRepeated() {
        var resume = LogResume()
        resume.streamStarted()
        for (stamp, text) in [("2026-11-29T07:00:05.100Z", "old a"), ("2026-11-29T07:00:05.200Z", "old b"),
            ("2026-11-29T07:00:05.700Z", "new x")]
        {
            let accepted = resume.accept(line(stamp, text))
            #expect(accepted)
        }
        resume.streamStarted()
        let replay = [("2026-11-29T07:00:05.700Z", "new x"), ("2026-11-29T07:00:05.800Z", "new y")]
        #expect(replay.filter { resume.accept(line($0.0, $0.1)) }.map(\.1) == ["new y"])
    }

    @Test func instantsParseWithNanosecondsAndCompare() {
        let a = LogInstant(Array("2026-11-29T07:20:54.299123456Z".utf8))!
        let b = LogInstant(Array("2026-11-29T07:20:54.2991235Z".utf8))!
        let c = LogInstant(Array("2026-11-29T07:20:55Z".utf8))!
        #expect(a.seconds == 1_795_936_854)
        #expect(a.nanoseconds == 299_123_456)
        #expect(a < b)
        #expect(b < c)
        #expect(LogInstant(Array("2026-13-29T07:20:55Z".utf8)) == nil)
        #expect(LogInstant(Array("yesterday".utf8)) == nil)
        #expect(LogLine.parse(Array("no stamp here".utf8)) == nil)
    }

    @Test func aResumedStreamRepeatsTheLastSecondAndOnlyNewLinesPass() {
        var resume = LogResume()
        resume.streamStarted()
        for (stamp, text) in [("2026-11-29T07:00:00.100Z", "a"), ("2026-11-29T07:00:01.100Z", "b"),
            ("2026-11-29T07:00:01.100Z", "b"), ("2026-11-29T07:00:01.500Z", "c")]
        {
            let accepted = resume.accept(line(stamp, text))
            #expect(accepted)
        }
        #expect(resume.sinceSeconds == LogInstant(Array("2026-11-29T07:00:01Z".utf8))!.seconds)
        // The server replays the log from 07:00:01 in order: both copies of "b" and "c" were
        // delivered; what the container wrote after them in that second, and later, is new.
        resume.streamStarted()
        let replay = [("2026-11-29T07:00:01.100Z", "b"), ("2026-11-29T07:00:01.100Z", "b"),
            ("2026-11-29T07:00:01.500Z", "c"), ("2026-11-29T07:00:01.500Z", "c"), ("2026-11-29T07:00:02.000Z", "d")]
        let passed = replay.filter { resume.accept(line($0.0, $0.1)) }.map(\.1)
        #expect(passed == ["c", "d"])
        // A second reconnect inside a busy second skips exactly what was delivered.
        resume.streamStarted()
        let again = replay.filter { resume.accept(line($0.0, $0.1)) }.map(\.1)
        #expect(again.isEmpty)
        // A restarted container's new log in the same second is not a replay: it passes.
        resume.streamStarted()
        let restarted = [("2026-11-29T07:00:02.500Z", "resumed from checkpoint"), ("2026-11-29T07:00:02.600Z", "e")]
        #expect(restarted.filter { resume.accept(line($0.0, $0.1)) }.map(\.1) == ["resumed from checkpoint", "e"])
        // A stale line from before the window never passes.
        let stale = resume.accept(line("2026-11-29T06:59:59.000Z", "old"))
        #expect(!stale)
    }
}
