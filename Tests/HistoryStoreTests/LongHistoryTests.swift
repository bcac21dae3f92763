import FlightdeckCore
import FlightdeckTestSupport
import Foundation
import Testing
@testable import HistoryStore

/// What a cockpit asks of a long history before its first frame — a page of the newest
/// jobs, how many there are, the jobs that may still grow — is answered by index, and a
/// list that shows no task leaves the tasks' kilobytes out.
@Suite struct LongHistoryTests {
    let dir = TemporaryDirectory()

    @Test func theFirstPageAndTheGrowingJobsAreFoundByIndex() throws {
        let path = dir.file("long.db")
        let store = try HistoryStore(path: path)
        var writes: [HistoryWrite] = []
        for index in 0..<300 {
            let created = 1_800_000_000 + Double(index) * 60
            writes.append(.job(job("old-\(index)", status: .succeeded, created: created, finished: created + 30)))
        }
        writes.append(.job(job("live", status: .running, created: 1_800_100_000)))
        writes.append(.trace(record("live", 1)))
        try store.write(writes)

        let page = try store.jobs(JobQuery(namespace: "agents", withTask: false, limit: 5))
        #expect(page.map(\.id) == ["live", "old-299", "old-298", "old-297", "old-296"])
        #expect(page.allSatisfy { $0.taskText == nil && $0.taskSpec == nil })
        #expect(try store.jobs(JobQuery(limit: 1)).first?.taskText == "refactor the live module")
        #expect(try store.jobCount(JobQuery(namespace: "agents")) == 301)
        #expect(try store.jobCount(JobQuery(statuses: [.running])) == 1)
        #expect(try store.jobs(JobQuery(ids: ["old-7", "live", "nowhere"])).map(\.id) == ["live", "old-7"])
        #expect(try store.jobIDs().count == 301)

        // Every job was written just now: all may grow. A minute from now, only the running one.
        #expect(try store.traceHeads(activeSince: Date().addingTimeInterval(-600)).count == 301)
        #expect(try store.traceHeads(activeSince: Date().addingTimeInterval(60)) == ["live": 1])

        // The plans: no scan of the jobs table, no sort of it.
        let explain = { (sql: String) in try store.queryPlan(sql).joined(separator: " | ") }
        let firstPage = try explain("SELECT job_id FROM jobs ORDER BY coalesce(created_at, updated_at) DESC, id DESC LIMIT 200")
        #expect(firstPage.contains("jobs_by_age") && !firstPage.contains("TEMP B-TREE"), "\(firstPage)")
        let growing = try explain("""
            SELECT job_id FROM jobs WHERE id IN (SELECT id FROM jobs WHERE finished_at IS NULL AND deleted_at IS NULL
                UNION SELECT id FROM jobs WHERE updated_at >= 0)
            """)
        #expect(growing.contains("jobs_unfinished") && growing.contains("jobs_by_update"), "\(growing)")
        let scans = growing.components(separatedBy: " | ").filter { $0.hasPrefix("SCAN") }
        #expect(scans == ["SCAN jobs USING INDEX jobs_unfinished"], "only the unfinished jobs are walked: \(growing)")
    }
}
