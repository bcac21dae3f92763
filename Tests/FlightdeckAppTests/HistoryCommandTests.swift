import FlightdeckApp
import FlightdeckCore
import FlightdeckTestSupport
import Foundation
import HistoryStore
import Testing

/// `flightdeck history jobs|import|prune|check` on real history files.
@Suite struct HistoryCommandTests {
    let directory = TemporaryDirectory("flightdeck-history-commands")
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    func store() throws -> HistoryStore { try HistoryStore(path: directory.file("history.db")) }

    static func record(_ job: String, _ n: Int) -> HistoryWrite {
        .trace(TraceRecord(jobID: job, sourceID: "s:\(n)", time: now, kind: .thought, text: "step \(n)"))
    }

    @Test func theListFiltersByStateAndCountsRecords() throws {
        let store = try store()
        try store.write([
            .job(AgentJob(id: "r1", name: "agent-r1", namespace: "agents", createdAt: Self.now.addingTimeInterval(-30),
                status: .running)),
            .phaseChange(jobID: "r1", phase: .tactical, time: Self.now, sourceID: "p:1"),
            .job(AgentJob(id: "f2", name: "agent-f2", namespace: "lab", createdAt: Self.now.addingTimeInterval(-3_600),
                status: .failed)),
            Self.record("r1", 1), Self.record("r1", 2), Self.record("f2", 1),
        ])
        let all = try HistoryJobList.entries(try HistoryJobList.query(statuses: nil, namespace: nil, text: nil, limit: 50), in: store)
        #expect(all.map(\.records) == [2, 1])
        #expect(HistoryJobList.rows(all, now: Self.now) == [
            ["JOB", "STATUS", "PHASE", "RECORDS", "AGE", "NAME"],
            ["r1", "running", "TACTICAL", "2", "30s", "agent-r1"],
            ["f2", "failed", "-", "1", "1h", "agent-f2"],
        ])
        let failed = try HistoryJobList.query(statuses: "failed, succeeded", namespace: nil, text: nil, limit: 50)
        #expect(failed.statuses == [.failed, .succeeded])
        #expect(try HistoryJobList.entries(failed, in: store).map(\.job.id) == ["f2"])
        let inLab = try HistoryJobList.query(statuses: nil, namespace: "lab", text: nil, limit: 50)
        #expect(try HistoryJobList.entries(inLab, in: store).map(\.job.id) == ["f2"])

        let json = try HistoryJobList.render(all, format: .json, now: Self.now).split(separator: "\n")
        #expect(json.count == 2)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json[0].utf8)) as? [String: Any])
        #expect(object["id"] as? String == "r1")
    }

    @Test func anUnknownStateIsOneLineNamingThoseThatExist() {
        let error = #expect(throws: OperatorError.self) {
            try HistoryJobList.query(statuses: "running,sleeping", namespace: nil, text: nil, limit: 5)
        }
        #expect(error?.message == "--status: unknown state 'sleeping' (expected one of \(JobStatus.allCases.map(\.rawValue).joined(separator: ", ")))")
    }

    @Test func anImportStoresEachLineOnceUnderItsJob() throws {
        let file = directory.file("run.log")
        try """
            {"ts":"2026-11-29T04:00:00Z","kind":"thought","phase":"STRATEGIC","text":"plan the fix"}
            plain output line
            {"ts":"2026-11-29T04:00:01Z","kind":"action","tool":"execute","args":{"command":"pytest"}}

            """.write(toFile: file, atomically: true, encoding: .utf8)
        let store = try store()
        let importer = HistoryImport(jobID: "run1", sourceName: HistoryImport.defaultSourceName(file: file),
            limits: .init(maxRows: 2, maxDelay: 0.01))
        let report = try importer.run(try HistoryImport.input(file), into: store, receivedAt: Self.now)
        #expect(report == HistoryImport.Report(lines: 3, records: 3))
        #expect(report.summary(jobID: "run1") == "imported 3 lines into job run1 (3 records in history)")
        #expect(try store.trace(jobID: "run1", after: 0, limit: 10).map(\.kind) == [.thought, .message, .action])
        // A run from outside the cluster is history only: `deleted`.
        #expect(try store.job(id: "run1")?.status == .deleted)

        // The same source again stores nothing new.
        #expect(try importer.run(try HistoryImport.input(file), into: store) == HistoryImport.Report(lines: 3, records: 3))
        // Another source adds its lines; a job history knew keeps its own row.
        try store.write([.job(AgentJob(id: "known", name: "agent-known", namespace: "agents", status: .running))])
        let other = HistoryImport(jobID: "known", sourceName: "other.log")
        #expect(try other.run(try HistoryImport.input(file), into: store).records == 3)
        #expect(try store.job(id: "known")?.status == .running)
        #expect(try store.job(id: "known")?.name == "agent-known")
    }

    @Test func anImportNamesItsSourceAndAFileItCannotRead() {
        #expect(HistoryImport.defaultSourceName(file: "/var/log/agents/run-7.log") == "run-7.log")
        #expect(HistoryImport.defaultSourceName(file: "-") == "stdin")
        #expect(throws: OperatorError("cannot read \(directory.file("nope.log")): no such file or permission denied")) {
            try HistoryImport.input(directory.file("nope.log"))
        }
    }

    @Test func pruneForgetsOldFinishedJobsAndSaysHowMany() throws {
        let store = try store()
        let old = Self.now.addingTimeInterval(-10 * 86_400)
        try store.write([
            .job(AgentJob(id: "old", name: "agent-old", namespace: "agents", createdAt: old, finishedAt: old, status: .succeeded)),
            .job(AgentJob(id: "busy", name: "agent-busy", namespace: "agents", createdAt: old, status: .running)),
            .job(AgentJob(id: "new", name: "agent-new", namespace: "agents", createdAt: Self.now, finishedAt: Self.now,
                status: .failed)),
            Self.record("old", 1), Self.record("old", 2), Self.record("busy", 1),
        ])
        let line = try HistoryPrune.run(RetentionPolicy(maxAgeDays: 5), store: store, now: Self.now)
        #expect(line == "pruned 1 job and 2 trace records from \(store.path)")
        #expect(try store.jobs().map(\.id).sorted() == ["busy", "new"])
        #expect(try HistoryPrune.run(RetentionPolicy(maxAgeDays: 5), store: store, now: Self.now)
            == "pruned 0 jobs and 0 trace records from \(store.path)")
        #expect(HistoryPrune.summary(PruneReport(jobs: 2, records: 1), path: "/h.db") == "pruned 2 jobs and 1 trace record from /h.db")
    }

    @Test func theCheckSaysOkOrTheFirstFindings() throws {
        let store = try store()
        #expect(try HistoryCheck.run(store) == "ok: \(store.path)")
        #expect(throws: OperatorError("history database /h.db failed its integrity check: page 3: bad; page 4: bad; page 5: bad")) {
            try HistoryCheck.verdict(["page 3: bad", "page 4: bad", "page 5: bad", "page 6: bad"], path: "/h.db")
        }
    }
}
