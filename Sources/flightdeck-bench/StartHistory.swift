import FlightdeckCore
import FlightdeckTestSupport
import Foundation
import GRDBSQLite
import HistoryStore

/// A history file as a cluster leaves it after months of use: `jobs` finished jobs (the
/// cluster has deleted them), created over the last 30 days, each with a prompt, its task
/// spec, `records / jobs` trace records and a phase change every 25 records. Written through
/// `HistoryStore.write`, as the keeper writes; made once and kept under the benchmark
/// directory, since 10 million records take minutes to write.
struct StartHistory {
    let jobs: Int
    let records: Int
    let namespace: String
    let context: String

    var fileName: String { "start-\(jobs)-jobs-\(records)-records.db" }

    static func jobID(_ index: Int) -> String { String(format: "hist-%06d", index) }

    /// Each job's row as last written when the cluster deleted the Job, not when this file
    /// was made: a history months old has no job written in the last minutes.
    static func ageRows(_ path: String) throws {
        var db: OpaquePointer?
        defer { sqlite3_close(db) }
        guard sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, nil) == SQLITE_OK,
              sqlite3_exec(db, "UPDATE jobs SET updated_at = coalesce(deleted_at, finished_at, updated_at)", nil, nil, nil)
                == SQLITE_OK
        else { throw BenchError("cannot age the rows of \(path): \(String(cString: sqlite3_errmsg(db)))") }
    }

    /// The path of the file, made first if it is not there yet.
    func prepared(in directory: String) throws -> String {
        let path = directory + "/" + fileName
        if FileManager.default.fileExists(atPath: path + ".done") { return path }
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        print("  writing \(fileName) (once; kept for later runs) ...")
        let started = now()
        let store = try HistoryStore(path: path)
        let perJob = max(1, records / jobs)
        let today = Date()
        var batch: [HistoryWrite] = []
        batch.reserveCapacity(25_000)
        for index in 0..<jobs {
            // Newest last, spread over 30 days; a run takes `perJob` × 2 s.
            let created = today.addingTimeInterval(-30 * 86_400 * Double(jobs - index) / Double(jobs))
            let finished = created.addingTimeInterval(Double(perJob) * 2 + 10)
            let id = Self.jobID(index)
            let prompt = "Fix the flaky login test in service \(index % 40): the session cookie expires early. "
                + String(repeating: "Keep the change small, run the whole suite, and explain the cause. ", count: 8)
            let spec = #"{"prompt":"\#(prompt)","image":"ghcr.io/homelab/agent:1.4","repo":"https://git.lan/svc-\#(index % 40).git","#
                + #""resources":{"cpu":"1","memory":"2Gi"},"env":{"LOG_LEVEL":"info"},"secrets":["openai-key"]}"#
            batch.append(.job(AgentJob(id: id, uid: UUID().uuidString, name: "agent-" + String(id.dropFirst(5)),
                namespace: namespace, context: context, taskUUID: UUID().uuidString, taskText: prompt,
                image: "ghcr.io/homelab/agent:1.4", createdAt: created, startedAt: created.addingTimeInterval(4),
                finishedAt: finished, status: index % 9 == 0 ? .failed : .succeeded, retries: index % 9 == 0 ? 3 : 0,
                backoffLimit: 3, node: "k3s-node-1", pvc: "ws-" + id, deletedAt: finished.addingTimeInterval(3_600),
                taskSpec: spec)))
            for seq in 1...perJob {
                var record = CockpitFixtures.record(job: id, seq: Int64(seq), start: created)
                record.seq = 0
                if seq % 25 == 1, let phase = record.phase {
                    batch.append(.phaseChange(jobID: id, phase: phase, time: record.time, sourceID: record.sourceID))
                }
                batch.append(.trace(record))
            }
            if batch.count >= 20_000 || index == jobs - 1 {
                try store.write(batch)
                batch.removeAll(keepingCapacity: true)
            }
        }
        try store.checkpoint()
        try Self.ageRows(path)
        _ = FileManager.default.createFile(atPath: path + ".done", contents: nil)
        print("  written in \(format(now() - started, 0)) s")
        return path
    }
}
