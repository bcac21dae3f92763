import FlightdeckTestSupport
import Foundation
import Testing

/// Several flightdeck processes on one history file, and writers that die mid-batch.
@Suite(.serialized) struct SharedHistoryTests {
    let flightdeck = ProductProcess("flightdeck")
    let dir = TemporaryDirectory()

    func writeTrace(lines: Int, to name: String) throws -> String {
        var fixtures = TraceFixtures()
        let text = (1...lines).map { fixtures.nextLine(seq: $0) }.joined(separator: "\n") + "\n"
        let path = dir.file(name)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func twoProcessesIngestingTheSameRecordsStoreEachOnce() async throws {
        let db = dir.file("history.db")
        let file = try writeTrace(lines: 20_000, to: "shared.log")
        let arguments = ["history", "import", "--history-db", db, "--job", "shared", "--source", "nats", "--batch-rows", "500", file]
        let first = try flightdeck.start(arguments)
        let second = try flightdeck.start(arguments)
        let other = try flightdeck.start(["history", "import", "--history-db", db, "--job", "other", "--batch-rows", "300", file])
        for result in [await first.finish(), await second.finish(), await other.finish()] {
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stderr.isEmpty, "no lock errors reach the user: \(result.stderr)")
        }
        for job in ["shared", "other"] {
            let filter = "job = (SELECT id FROM jobs WHERE job_id = '\(job)')"
            #expect(await SQLiteProbe.scalar(db, "SELECT count(*) FROM trace WHERE \(filter)") == "20000")
            #expect(await SQLiteProbe.scalar(db, "SELECT count(DISTINCT source_id) FROM trace WHERE \(filter)") == "20000")
            #expect(await SQLiteProbe.scalar(db, "SELECT min(seq) || '..' || max(seq) FROM trace WHERE \(filter)") == "1..20000")
        }
        #expect(await SQLiteProbe.scalar(db, "PRAGMA integrity_check") == "ok")
    }

    @Test func aWriterKilledMidBatchLeavesWholeBatchesOnly() async throws {
        let db = dir.file("history.db")
        let file = try writeTrace(lines: 400_000, to: "big.log")
        let batch = 1000
        var observedPartial = false
        for attempt in 0..<4 {
            let job = "killed\(attempt)"
            let run = try flightdeck.start([
                "history", "import", "--history-db", db, "--job", job, "--batch-rows", String(batch),
                "--batch-ms", "600000", file,
            ])
            // Kill once some batches are in, while more are being written.
            let filter = "job = (SELECT id FROM jobs WHERE job_id = '\(job)')"
            var waited = 0
            while (Int(await SQLiteProbe.scalar(db, "SELECT count(*) FROM trace WHERE \(filter)")) ?? 0) < (attempt + 1) * 3 * batch,
                  waited < 600 {
                try await Task.sleep(for: .milliseconds(50))
                waited += 1
            }
            try await Task.sleep(for: .milliseconds(13 * attempt))
            run.kill(SIGKILL)
            let result = await run.finish()
            #expect(result.signalled, "the writer was killed, not finished: \(result.stdout)")

            #expect(await SQLiteProbe.scalar(db, "PRAGMA integrity_check") == "ok")
            let count = Int(await SQLiteProbe.scalar(db, "SELECT count(*) FROM trace WHERE \(filter)")) ?? -1
            #expect(count > 0 && count < 400_000)
            #expect(count % batch == 0, "whole batches only: \(count) records")
            #expect(await SQLiteProbe.scalar(db, "SELECT max(seq) FROM trace WHERE \(filter)") == String(count))
            #expect(await SQLiteProbe.scalar(db, "SELECT source_id FROM trace WHERE \(filter) AND seq = \(count)") == "big.log:\(count)",
                    "the stored records are exactly the first lines, in order")
            observedPartial = observedPartial || count < 400_000
        }
        #expect(observedPartial)

        // Re-running the import converges: nothing twice, nothing missing.
        let resumed = try await flightdeck.run(["history", "import", "--history-db", db, "--job", "killed0", file])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let filter = "job = (SELECT id FROM jobs WHERE job_id = 'killed0')"
        #expect(await SQLiteProbe.scalar(db, "SELECT count(*) || '/' || max(seq) FROM trace WHERE \(filter)") == "400000/400000")
    }
}
