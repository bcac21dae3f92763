import FlightdeckCore
import FlightdeckTestSupport
import Foundation
import Testing
@testable import HistoryStore

@Suite struct HistoryStoreTests {
    let dir = TemporaryDirectory()

    // MARK: - Opening and migrations

    @Test func createsDirectoriesAndAWALDatabaseWithOurApplicationID() throws {
        let path = dir.file("nested/deeper/history.db")
        let store = try HistoryStore(path: path)
        #expect(FileManager.default.fileExists(atPath: path))
        #expect(try store.integrityCheck() == ["ok"])
        #expect(sqliteScalar(path, "PRAGMA journal_mode") == "wal")
        #expect(sqliteScalar(path, "PRAGMA application_id") == String(HistoryStore.applicationID))
        #expect(sqliteScalar(path, "PRAGMA user_version") == String(HistoryStore.schemaVersion))
    }

    @Test func aFirstSchemaDatabaseIsMigratedKeepingItsRows() throws {
        let path = dir.file("old.db")
        do {
            let store = try HistoryStore(path: path)
            try store.write([.job(job("old")), .trace(record("old", 1))])
        }
        // Make it a schema-1 file, as the first release wrote it.
        for index in ["jobs_by_age", "jobs_by_update", "jobs_unfinished"] { _ = sqliteScalar(path, "DROP INDEX \(index)") }
        _ = sqliteScalar(path, "DROP TABLE job_tasks")
        _ = sqliteScalar(path, "ALTER TABLE jobs DROP COLUMN deleted_at")
        _ = sqliteScalar(path, "ALTER TABLE jobs ADD COLUMN task_text TEXT")
        _ = sqliteScalar(path, "UPDATE jobs SET task_text = 'the task as first stored'")
        _ = sqliteScalar(path, "DROP TABLE workspace_snapshots")
        for column in ["queue", "priority", "queue_position"] { _ = sqliteScalar(path, "ALTER TABLE jobs DROP COLUMN \(column)") }
        _ = sqliteScalar(path, "DROP INDEX trace_usage_by_time")
        _ = sqliteScalar(path, "DROP INDEX trace_usage_by_job")
        for column in ["input_tokens", "output_tokens", "model"] { _ = sqliteScalar(path, "ALTER TABLE trace DROP COLUMN \(column)") }
        _ = sqliteScalar(path, "PRAGMA user_version = 1")
        #expect(sqliteScalar(path, "PRAGMA user_version") == "1")
        let store = try HistoryStore(path: path)
        #expect(sqliteScalar(path, "PRAGMA user_version") == String(HistoryStore.schemaVersion))
        #expect(try store.traceCount(jobID: "old") == 1)
        #expect(try store.job(id: "old")?.taskText == "the task as first stored", "moved to the tasks' table")
        var gone = job("old")
        gone.status = .succeeded
        gone.deletedAt = Date(timeIntervalSince1970: 1_800_000_000)
        try store.write([.job(gone)])
        #expect(try store.job(id: "old")?.deletedAt == gone.deletedAt)
        // A later update without the deletion time keeps it.
        try store.write([.job(job("old"))])
        #expect(try store.job(id: "old")?.deletedAt == gone.deletedAt)
    }

    @Test func reopeningKeepsData() throws {
        let path = dir.file("history.db")
        do {
            let store = try HistoryStore(path: path)
            try store.write([.job(job("a")), .trace(record("a", 1))])
        }
        let store = try HistoryStore(path: path)
        #expect(try store.traceCount(jobID: "a") == 1)
        #expect(try store.job(id: "a")?.name == "agent-a")
    }

    @Test func refusesADatabaseFromANewerSchema() throws {
        let path = dir.file("history.db")
        _ = try HistoryStore(path: path)
        _ = sqliteScalar(path, "PRAGMA user_version = 99")
        #expect(sqliteScalar(path, "PRAGMA user_version") == "99")
        let error = HistoryStoreError.newerSchema(path: path, version: 99, supported: HistoryStore.schemaVersion)
        #expect(throws: error) { try HistoryStore(path: path) }
        #expect(throws: error) { try HistoryStore(path: path, options: .init(readOnly: true)) }
        #expect(error.description.contains("upgrade flightdeck"))
        #expect(sqliteScalar(path, "PRAGMA user_version") == "99", "nothing was written")
    }

    @Test func refusesAForeignSQLiteDatabase() throws {
        let path = dir.file("other.db")
        _ = sqliteScalar(path, "CREATE TABLE invoices (id INTEGER)")
        #expect(throws: HistoryStoreError.foreign(path: path)) { try HistoryStore(path: path) }
        #expect(sqliteScalar(path, "SELECT group_concat(name) FROM sqlite_master") == "invoices", "left untouched")
    }

    @Test func refusesAFileThatIsNotSQLite() throws {
        let path = dir.file("history.db")
        try Data("this is a text file, not a database\n".utf8).write(to: URL(fileURLWithPath: path))
        let error = #expect(throws: HistoryStoreError.self) { try HistoryStore(path: path) }
        guard case .corrupt = error else { Issue.record("expected .corrupt, got \(String(describing: error))"); return }
        #expect(error!.description.contains(path))
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "this is a text file, not a database\n")
    }

    @Test func reportsADamagedDatabase() throws {
        let path = dir.file("history.db")
        do {
            let store = try HistoryStore(path: path)
            try store.write((1...2000).map { .trace(record("a", $0, text: String(repeating: "x", count: 200))) })
            try store.checkpoint()
        }
        // Keep the SQLite header, scribble over the b-tree pages.
        let handle = try #require(FileHandle(forUpdatingAtPath: path))
        try handle.seek(toOffset: 4096)
        handle.write(Data(repeating: 0xA5, count: 64 * 1024))
        try handle.close()
        do {
            let store = try HistoryStore(path: path)
            let findings = try store.integrityCheck()
            #expect(findings != ["ok"])
        } catch let error as HistoryStoreError {
            guard case .corrupt = error else { Issue.record("unexpected \(error)"); return }
        }
    }

    @Test func refusesANetworkFilesystem() {
        let mountInfo = """
            22 1 253:0 / / rw,relatime shared:1 - ext4 /dev/vda rw
            40 22 0:35 / /mnt/nas rw,relatime shared:9 - nfs4 nas:/export rw,vers=4.2
            41 40 0:36 / /mnt/nas/local\\040disk rw - ext4 /dev/sdb1 rw
            42 22 0:37 / /mnt/share rw - cifs //nas/share rw
            """
        #expect(FilesystemKind.of(path: "/home/op/.local/share/flightdeck/history.db", mountInfo: mountInfo) == .local)
        #expect(FilesystemKind.of(path: "/mnt/nas/flightdeck/history.db", mountInfo: mountInfo) == .network(name: "nfs4"))
        #expect(FilesystemKind.of(path: "/mnt/nas", mountInfo: mountInfo) == .network(name: "nfs4"))
        #expect(FilesystemKind.of(path: "/mnt/nasty/history.db", mountInfo: mountInfo) == .local)
        #expect(FilesystemKind.of(path: "/mnt/nas/local disk/history.db", mountInfo: mountInfo) == .local)
        #expect(FilesystemKind.of(path: "/mnt/share/h.db", mountInfo: mountInfo) == .network(name: "cifs"))
        #expect(FilesystemKind.of(path: dir.file("does/not/exist/yet.db")) == .local)
        #expect(HistoryStoreError.networkFilesystem(path: "/mnt/nas/h.db", filesystem: "nfs4").description
            .contains("SQLite WAL needs a local disk"))
    }

    @Test func refusesAReadOnlyDirectoryWithoutWriting() throws {
        let source = TemporaryDirectory()
        switch ScratchMount.readOnlyBind(of: source.path) {
        case let .failure(reason):
            try Test.cancel("\(reason)")
        case let .success(mount):
            let path = mount.path + "/history.db"
            let error = #expect(throws: HistoryStoreError.self) { try HistoryStore(path: path) }
            guard case .readOnly = error else { Issue.record("expected .readOnly, got \(String(describing: error))"); return }
            #expect(try FileManager.default.contentsOfDirectory(atPath: source.path).isEmpty)
        }
    }

    // MARK: - Writing

    @Test func theSameRecordIsStoredOnce() throws {
        let store = try HistoryStore(path: dir.file("history.db"))
        let first = try store.write([.trace(record("a", 1)), .trace(record("a", 2)), .trace(record("a", 1))])
        #expect(first.records.map(\.seq) == [1, 2])
        #expect(first.duplicates == 1)
        let again = try store.write([.trace(record("a", 2)), .trace(record("a", 3))])
        #expect(again.records.map(\.seq) == [3])
        #expect(again.records.map(\.sourceID) == ["test:3"])
        #expect(again.duplicates == 1)
        #expect(try store.trace(jobID: "a", seq: 1...10).map(\.sourceID) == ["test:1", "test:2", "test:3"])
        // Pages after any sequence number, the extremes included, without overflowing.
        #expect(try store.trace(jobID: "a", after: 1, limit: 1).map(\.seq) == [2])
        #expect(try store.trace(jobID: "a", after: -5, limit: 2).map(\.seq) == [1, 2])
        #expect(try store.trace(jobID: "a", after: Int64.max - 1, limit: Int.max).isEmpty)
        #expect(try store.trace(jobID: "a", after: Int64.max, limit: 10).isEmpty)
        #expect(try store.trace(jobID: "a", after: 0, limit: Int.max).count == 3)
    }

    @Test func numbersEachJobDenselyAndRoundTripsEveryField() throws {
        let store = try HistoryStore(path: dir.file("history.db"))
        let original = [record("a", 1, kind: .action), record("b", 1, kind: .observation), record("a", 2, kind: .error)]
        try store.write(original.map(HistoryWrite.trace))
        let a = try store.trace(jobID: "a", seq: 1...5)
        #expect(a.map(\.seq) == [1, 2])
        var expected = original[0]
        expected.seq = 1
        #expect(a[0] == expected)
        var expectedB = original[1]
        expectedB.seq = 1
        #expect(try store.trace(jobID: "b", seq: 1...1) == [expectedB])
        // A trace for an unknown job creates a placeholder the cluster watch fills in later.
        #expect(try store.job(id: "b")?.status == .pending)
        try store.write([.job(job("b", status: .succeeded, finished: 1_800_000_100))])
        #expect(try store.job(id: "b")?.status == .succeeded)
        #expect(try store.job(id: "b")?.taskText == "refactor the b module")
    }

    @Test func aJobUpdateKeepsKnownIdentityFields() throws {
        let store = try HistoryStore(path: dir.file("history.db"))
        try store.write([.job(job("a"))])
        var sparse = AgentJob(id: "a", name: "agent-a", namespace: "agents", status: .failed, retries: 4)
        sparse.pendingReason = "BackoffLimitExceeded"
        try store.write([.job(sparse)])
        let stored = try #require(try store.job(id: "a"))
        #expect(stored.status == .failed)
        #expect(stored.retries == 4)
        #expect(stored.uid == "uid-a")
        #expect(stored.image == "ghcr.io/example/agent:1")
        #expect(stored.pendingReason == "BackoffLimitExceeded")
    }

    @Test func aFullDiskRollsBackTheWholeBatch() throws {
        let path = dir.file("history.db")
        do { _ = try HistoryStore(path: path) }
        let store = try HistoryStore(path: path, options: .init(maxPageCount: 40))
        try store.write([.trace(record("a", 1))])
        let big = (2...5000).map { HistoryWrite.trace(record("a", $0, text: String(repeating: "y", count: 300))) }
        #expect(throws: HistoryStoreError.diskFull(path: path)) { try store.write(big) }
        #expect(try store.traceCount(jobID: "a") == 1)
        #expect(try store.integrityCheck() == ["ok"])
        try store.write([.trace(record("a", 2))])
        #expect(try store.traceCount(jobID: "a") == 2, "still usable after the failure")
    }

    @Test func aRealFullDiskRollsBackTheWholeBatch() throws {
        switch ScratchMount.tmpfs(kilobytes: 256) {
        case let .failure(reason):
            try Test.cancel("\(reason)")
        case let .success(mount):
            let path = mount.path + "/history.db"
            let store = try HistoryStore(path: path)
            try store.write([.trace(record("a", 1))])
            let big = (2...5000).map { HistoryWrite.trace(record("a", $0, text: String(repeating: "z", count: 300))) }
            let error = #expect(throws: HistoryStoreError.self) { try store.write(big) }
            #expect(error == .diskFull(path: path))
            #expect(error?.description.contains("disk full") == true)
            #expect(try store.traceCount(jobID: "a") == 1)
            #expect(try store.integrityCheck() == ["ok"])
        }
    }

    // MARK: - Queries

    @Test func pagesByRangeTailAndAfter() throws {
        let store = try HistoryStore(path: dir.file("history.db"))
        try store.write((1...1000).map { .trace(record("a", $0)) })
        let page = try store.trace(jobID: "a", seq: 401...600)
        #expect(page.count == 200)
        #expect(page.first?.seq == 401)
        #expect(page.last?.seq == 600)
        #expect(try store.traceTail(jobID: "a", limit: 3).map(\.seq) == [998, 999, 1000])
        #expect(try store.trace(jobID: "a", after: 995, limit: 10).map(\.seq) == [996, 997, 998, 999, 1000])
        #expect(try store.trace(jobID: "missing", seq: 1...10).isEmpty)
        #expect(try store.traceCount(jobID: "missing") == 0)
    }

    @Test func filtersJobs() throws {
        let store = try HistoryStore(path: dir.file("history.db"))
        var other = job("c", status: .failed, created: 1_800_000_300)
        other.namespace = "research"
        try store.write([
            .job(job("a", status: .running, created: 1_800_000_100)),
            .job(job("b", status: .succeeded, created: 1_800_000_200)),
            .job(other),
        ])
        #expect(try store.jobs().map(\.id) == ["c", "b", "a"])
        #expect(try store.jobs(JobQuery(statuses: [.running, .failed])).map(\.id) == ["c", "a"])
        #expect(try store.jobs(JobQuery(namespace: "research")).map(\.id) == ["c"])
        #expect(try store.jobs(JobQuery(text: "THE B MOD")).map(\.id) == ["b"])
        #expect(try store.jobs(JobQuery(since: Date(timeIntervalSince1970: 1_800_000_150))).map(\.id) == ["c", "b"])
        #expect(try store.jobs(JobQuery(limit: 1)).map(\.id) == ["c"])
    }

    @Test func derivesPhaseSpansAndMarkers() throws {
        let store = try HistoryStore(path: dir.file("history.db"))
        let t = { (s: Double) in Date(timeIntervalSince1970: 1_800_000_000 + s) }
        let writes: [HistoryWrite] = [
            .phaseChange(jobID: "a", phase: .tactical, time: t(10), sourceID: "e2"),
            .phaseChange(jobID: "a", phase: .strategic, time: t(0), sourceID: "e1"),
            .phaseChange(jobID: "a", phase: .tactical, time: t(12), sourceID: "e3"),  // repeated report
            .phaseChange(jobID: "a", phase: .strategic, time: t(30), sourceID: "e4"),
            .phaseChange(jobID: "a", phase: .strategic, time: t(30), sourceID: "e4"),  // redelivered
            .marker(PhaseMarker(jobID: "a", kind: .checkpoint, time: t(11), detail: "step 7"), sourceID: "m1"),
            .marker(PhaseMarker(jobID: "a", kind: .podRestart, time: t(20)), sourceID: "m2"),
        ]
        let commit = try store.write(writes)
        #expect(commit.duplicates == 1)
        #expect(try store.phaseSpans(jobID: "a") == [
            PhaseSpan(jobID: "a", phase: .strategic, start: t(0), end: t(10)),
            PhaseSpan(jobID: "a", phase: .tactical, start: t(10), end: t(30)),
            PhaseSpan(jobID: "a", phase: .strategic, start: t(30), end: nil),
        ])
        #expect(try store.job(id: "a")?.phase == .strategic)
        try store.write([.job(AgentJob(id: "a", name: "agent-a", namespace: "agents", finishedAt: t(45), status: .succeeded))])
        #expect(try store.phaseSpans(jobID: "a").last?.end == t(45))
        #expect(try store.markers(jobID: "a").map(\.kind) == [.checkpoint, .podRestart])
        #expect(try store.markers(jobID: "a").first?.detail == "step 7")
    }

    // MARK: - Retention

    @Test func prunesOldFinishedJobsAndKeepsRunningOnes() throws {
        let store = try HistoryStore(path: dir.file("history.db"))
        let now = Date(timeIntervalSince1970: 1_800_000_000 + 40 * 86_400)
        try store.write([
            .job(job("old-done", status: .succeeded, created: 1_800_000_000, finished: 1_800_000_100)),
            .job(job("old-running", status: .running, created: 1_800_000_000)),
            .job(job("recent", status: .failed, created: now.timeIntervalSince1970 - 86_400, finished: now.timeIntervalSince1970 - 3_600)),
        ])
        try store.write((1...50).map { .trace(record("old-done", $0)) } + [
            .phaseChange(jobID: "old-done", phase: .tactical, time: now, sourceID: "p"),
            .marker(PhaseMarker(jobID: "old-done", kind: .retry, time: now), sourceID: "m"),
        ])
        let report = try store.prune(RetentionPolicy(maxAgeDays: 30), now: now)
        #expect(report == PruneReport(jobs: 1, records: 50))
        #expect(Set(try store.jobs().map(\.id)) == ["old-running", "recent"])
        #expect(try store.traceCount(jobID: "old-done") == 0)
        #expect(sqliteScalar(store.path, "SELECT count(*) FROM trace") == "0")
        #expect(sqliteScalar(store.path, "SELECT count(*) FROM phase_changes") == "0")
        #expect(sqliteScalar(store.path, "SELECT count(*) FROM markers") == "0")
    }

    @Test func aLongTraceIsPrunedInChunksNewestFirst() throws {
        let store = try HistoryStore(path: dir.file("history.db"))
        try store.write([.job(job("long", status: .succeeded, created: 1_800_000_000, finished: 1_800_000_010))])
        try store.write((1...5_500).map { .trace(record("long", $0)) })
        let report = try store.prune(RetentionPolicy(keepLast: 0), chunk: 1_000)
        #expect(report == PruneReport(jobs: 1, records: 5_500))
        #expect(sqliteScalar(store.path, "SELECT count(*) FROM trace") == "0")
        #expect(try store.jobs().isEmpty)
    }

    @Test func keepsOnlyTheLastNJobs() throws {
        let store = try HistoryStore(path: dir.file("history.db"))
        try store.write((1...6).map { .job(job("j\($0)", status: $0 == 1 ? .running : .succeeded, created: 1_800_000_000 + Double($0))) })
        let report = try store.prune(RetentionPolicy(keepLast: 3))
        #expect(report.jobs == 2)
        #expect(try store.jobs().map(\.id) == ["j6", "j5", "j4", "j1"])
    }
}
