import FlightdeckCore
import Foundation
import GRDB
import GRDBSQLite

extension HistoryStore {
    // MARK: - Jobs

    /// Jobs newest first. The current phase comes from the latest phase change.
    public func jobs(_ query: JobQuery = JobQuery()) throws -> [AgentJob] {
        let (filter, arguments) = Self.filter(query)
        var sql = "SELECT \(query.withTask ? Self.jobColumns : Self.jobSummaryColumns) FROM \(Self.jobTables(query))" + filter
        sql += " ORDER BY coalesce(created_at, updated_at) DESC, id DESC"
        if let limit = query.limit { sql += " LIMIT \(max(0, limit))" }
        return try read { db in
            // A cursor reads each row in place (`fetchAll` copies every row first).
            let rows = try Row.fetchCursor(db, sql: sql, arguments: arguments)
            var jobs: [AgentJob] = []
            while let row = try rows.next() { jobs.append(Self.job(from: row)) }
            return jobs
        }
    }

    /// How many jobs `query` lists, without its limit.
    public func jobCount(_ query: JobQuery = JobQuery()) throws -> Int {
        let (filter, arguments) = Self.filter(query)
        return try read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM \(Self.jobTables(query, counting: true))" + filter, arguments: arguments)
                ?? 0
        }
    }

    /// The jobs, with their tasks when `query` reads or searches them.
    private static func jobTables(_ query: JobQuery, counting: Bool = false) -> String {
        let searched = !(query.text ?? "").isEmpty
        return (query.withTask && !counting) || searched ? "jobs LEFT JOIN job_tasks t ON t.job = jobs.id" : "jobs"
    }

    /// The WHERE clause of `query` (empty when it filters nothing) and its arguments.
    private static func filter(_ query: JobQuery) -> (String, StatementArguments) {
        var clauses: [String] = []
        var arguments: StatementArguments = []
        if !query.statuses.isEmpty {
            let statuses = query.statuses.map(\.rawValue).sorted()
            clauses.append("status IN (\(databaseQuestionMarks(count: statuses.count)))")
            arguments += StatementArguments(statuses)
        }
        if let ids = query.ids {
            let sorted = ids.sorted()
            clauses.append("job_id IN (\(databaseQuestionMarks(count: sorted.count)))")
            arguments += StatementArguments(sorted)
        }
        if let namespace = query.namespace {
            clauses.append("namespace = ?")
            arguments += [namespace]
        }
        if let context = query.context {
            clauses.append(query.orNoContext ? "(context = ? OR context IS NULL)" : "context = ?")
            arguments += [context]
        }
        if let name = query.name {
            clauses.append("name = ?")
            arguments += [name]
        }
        if let text = query.text, !text.isEmpty {
            let columns = ["name", "job_id", "coalesce(t.task_text, '')", "coalesce(image, '')"]
            clauses.append("(" + columns.map { "instr(lower(\($0)), ?) > 0" }.joined(separator: " OR ") + ")")
            arguments += StatementArguments(Array(repeating: text.lowercased(), count: columns.count))
        }
        if let since = query.since {
            clauses.append("coalesce(created_at, updated_at) >= ?")
            arguments += [since.timeIntervalSince1970]
        }
        return (clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND "), arguments)
    }

    /// Every job's id: one walk of the ids' own index.
    public func jobIDs() throws -> Set<String> {
        try read { db in
            var ids = Set<String>()
            let cursor = try String.fetchCursor(db, sql: "SELECT job_id FROM jobs")
            while let id = try cursor.next() { ids.insert(id) }
            return ids
        }
    }

    public func job(id: String) throws -> AgentJob? {
        try read { db in
            try Row.fetchOne(
                db, sql: "SELECT \(Self.jobColumns) FROM jobs LEFT JOIN job_tasks t ON t.job = jobs.id WHERE job_id = ?",
                arguments: [id])
                .map(Self.job(from:))
        }
    }

    // MARK: - Trace

    /// How many records the job's trace holds (its last `seq`; numbering is dense from 1).
    public func traceCount(jobID: String) throws -> Int64 {
        try read { db in
            try Int64.fetchOne(
                db,
                sql: "SELECT max(seq) FROM trace WHERE job = (SELECT id FROM jobs WHERE job_id = ?)",
                arguments: [jobID]) ?? 0
        }
    }

    // MARK: - Usage

    /// Model tokens (input + output) the records stored since `since` report, by the queue
    /// their job was submitted to (jobs without one count under `defaultQueue`): what a queue's
    /// daily token budget is checked against.
    public func tokensByQueue(since: Date, defaultQueue: String) throws -> [String: Int64] {
        try usageByQueue(since: since, defaultQueue: defaultQueue).mapValues { models in
            models.reduce(0) { $0 &+ $1.total }
        }
    }

    /// Model tokens each queue's jobs used since `since`, per model (jobs without a queue count
    /// under `defaultQueue`): from the records that carry `usage`, found by time through
    /// `trace_usage_by_time`, so O(such records since then).
    public func usageByQueue(since: Date, defaultQueue: String) throws -> [String: [TokenUsage]] {
        try read { db in
            var used: [String: [TokenUsage]] = [:]
            let rows = try Row.fetchCursor(db, sql: """
                SELECT coalesce(j.queue, ?), t.model, sum(t.input_tokens), sum(coalesce(t.output_tokens, 0))
                FROM trace t INDEXED BY trace_usage_by_time JOIN jobs j ON j.id = t.job
                WHERE t.input_tokens IS NOT NULL AND t.time >= ?
                GROUP BY 1, 2 ORDER BY 1, 2
                """, arguments: [defaultQueue, since.timeIntervalSince1970])
            while let row = try rows.next() {
                let queue: String = row[0]
                used[queue, default: []].append(TokenUsage(inputTokens: row[2] ?? 0, outputTokens: row[3] ?? 0, model: row[1]))
            }
            return used
        }
    }

    /// Model tokens one job (by its `job_id`) used, per model, in model order (no model last);
    /// empty when it reported none.
    public func usage(job: String) throws -> [TokenUsage] {
        try usage(jobs: [job])[job] ?? []
    }

    /// Model tokens each of `jobs` (by `job_id`) used, per model; a job that reported none is
    /// absent. Read through `trace_usage_by_job`, which holds only the records that carry
    /// `usage` and covers the query (`INDEXED BY`: SQLite fails the query rather than scan):
    /// O(such records of these jobs), whatever else they wrote.
    public func usage(jobs: [String]) throws -> [String: [TokenUsage]] {
        let ids = Array(Set(jobs)).sorted()
        guard !ids.isEmpty else { return [:] }
        return try read { db in
            var used: [String: [TokenUsage]] = [:]
            // In chunks: SQLite bounds a statement's arguments.
            for start in stride(from: 0, to: ids.count, by: 500) {
                let chunk = Array(ids[start..<min(start + 500, ids.count)])
                let rows = try Row.fetchCursor(db, sql: """
                    SELECT j.job_id, t.model, sum(t.input_tokens), sum(coalesce(t.output_tokens, 0))
                    FROM jobs j JOIN trace t INDEXED BY trace_usage_by_job ON t.job = j.id
                    WHERE j.job_id IN (\(databaseQuestionMarks(count: chunk.count))) AND t.input_tokens IS NOT NULL
                    GROUP BY j.id, t.model
                    ORDER BY j.id, t.model IS NULL, t.model
                    """, arguments: StatementArguments(chunk))
                while let row = try rows.next() {
                    let job: String = row[0]
                    used[job, default: []].append(TokenUsage(inputTokens: row[2] ?? 0, outputTokens: row[3] ?? 0, model: row[1]))
                }
            }
            return used
        }
    }

    /// Changes whenever any process commits to the file (the write-ahead log's and the
    /// database's sizes and modification times): two `stat` calls, so a poller can skip its
    /// query while nothing happens.
    public func changeStamp() -> [Int64] {
        [path + "-wal", path].flatMap { file -> [Int64] in
            var info = stat()
            guard stat(file, &info) == 0 else { return [-1, -1, -1] }
            return [Int64(info.st_size), Int64(info.st_mtim.tv_sec), Int64(info.st_mtim.tv_nsec)]
        }
    }

    /// The last `seq` of every job that may still be growing: not finished, or written since
    /// `since` (a job's row is written when it finishes or is deleted, so that covers jobs that
    /// did either lately). Found by index, one seek per such job, however long the history:
    /// cheap enough to ask a few times a second, which is how a live feed learns of records
    /// other processes stored.
    public func traceHeads(activeSince since: Date) throws -> [String: Int64] {
        try read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT job_id, (SELECT max(seq) FROM trace WHERE trace.job = jobs.id) AS head FROM jobs
                WHERE id IN (SELECT id FROM jobs WHERE finished_at IS NULL AND deleted_at IS NULL
                             UNION SELECT id FROM jobs WHERE updated_at >= ?1)
                """, arguments: [since.timeIntervalSince1970])
            var heads: [String: Int64] = [:]
            for row in rows { heads[row[0]] = row[1] ?? 0 }
            return heads
        }
    }

    /// The records whose `seq` falls in `range`, in order: one index range scan, whatever the
    /// trace's length, so scrollback never loads a whole trace.
    public func trace(jobID: String, seq range: ClosedRange<Int64>) throws -> [TraceRecord] {
        try read { db in
            let statement = try db.cachedStatement(sql: """
                SELECT \(Self.traceColumns) FROM trace
                WHERE job = (SELECT id FROM jobs WHERE job_id = ?) AND seq BETWEEN ? AND ?
                ORDER BY seq
                """)
            return try Self.readTrace(statement, jobID: jobID, range: range, db: db)
        }
    }

    /// Up to `limit` records after `seq` (for following a live trace). Any `seq` is taken: one
    /// at or past the largest there can be has nothing after it.
    public func trace(jobID: String, after seq: Int64, limit: Int) throws -> [TraceRecord] {
        guard limit > 0, seq < Int64.max else { return [] }
        let start = max(seq, 0) + 1  // seqs start at 1
        let (end, overflow) = start.addingReportingOverflow(Int64(limit) - 1)
        return try trace(jobID: jobID, seq: start...(overflow ? Int64.max : end))
    }

    /// The last `limit` records.
    public func traceTail(jobID: String, limit: Int) throws -> [TraceRecord] {
        let count = try traceCount(jobID: jobID)
        guard count > 0, limit > 0 else { return [] }
        return try trace(jobID: jobID, seq: max(1, count - Int64(limit) + 1)...count)
    }

    /// The `seq` of the first record after `seq` (or, `forward` false, the last one before it)
    /// whose text, tool or arguments contain `query`, case-insensitively for ASCII letters:
    /// how the cockpit's search goes past the records it holds. One scan of the job's rows
    /// from `seq` on, by the (job, seq) index.
    public func traceSearch(jobID: String, query: String, from seq: Int64, forward: Bool) throws -> Int64? {
        guard !query.isEmpty else { return nil }
        let escaped = query.replacingOccurrences(of: "\\", with: "\\\\")
            .replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_")
        let pattern = "%" + escaped + "%"
        return try read { db in
            try Int64.fetchOne(db, sql: """
                SELECT seq FROM trace
                WHERE job = (SELECT id FROM jobs WHERE job_id = ?) AND seq \(forward ? ">" : "<") ?
                  AND (text LIKE ? ESCAPE '\\' OR tool LIKE ? ESCAPE '\\' OR args LIKE ? ESCAPE '\\')
                ORDER BY seq \(forward ? "ASC" : "DESC") LIMIT 1
                """, arguments: [jobID, seq, pattern, pattern, pattern])
        }
    }

    // MARK: - Phases

    /// The job's phase spans in time order; each ends where the next begins, and the last one
    /// ends when the job finished (open while it runs).
    public func phaseSpans(jobID: String) throws -> [PhaseSpan] {
        try read { db in
            let finished = try Double.fetchOne(
                db, sql: "SELECT finished_at FROM jobs WHERE job_id = ?", arguments: [jobID])
            let changes = try Row.fetchAll(
                db,
                sql: """
                    SELECT time, phase FROM phase_changes
                    WHERE job = (SELECT id FROM jobs WHERE job_id = ?)
                    ORDER BY time, source_id
                    """,
                arguments: [jobID])
            var spans: [PhaseSpan] = []
            for change in changes {
                let time = Date(timeIntervalSince1970: change["time"])
                let phase = Phase(rawValue: change["phase"])
                if let last = spans.last, last.phase == phase { continue }  // repeated report
                if !spans.isEmpty { spans[spans.count - 1].end = time }
                spans.append(PhaseSpan(jobID: jobID, phase: phase, start: time))
            }
            if let finished, !spans.isEmpty {
                spans[spans.count - 1].end = max(spans[spans.count - 1].start, Date(timeIntervalSince1970: finished))
            }
            return spans
        }
    }

    /// Restarts, retries, checkpoints and failures, in time order.
    public func markers(jobID: String) throws -> [PhaseMarker] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT time, kind, detail FROM markers
                    WHERE job = (SELECT id FROM jobs WHERE job_id = ?)
                    ORDER BY time, source_id
                    """,
                arguments: [jobID]
            ).compactMap { row in
                guard let kind = PhaseMarker.Kind(rawValue: row["kind"]) else { return nil }
                return PhaseMarker(
                    jobID: jobID, kind: kind, time: Date(timeIntervalSince1970: row["time"]), detail: row["detail"])
            }
        }
    }

    // MARK: - Workspace

    /// The agent's last listing of its workspace and when it made it; `nil` when it sent none.
    public func workspaceSnapshot(jobID: String) throws -> (entries: [WorkspaceEntry], asOf: Date)? {
        try read { db in
            guard let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT as_of, entries FROM workspace_snapshots
                    WHERE job = (SELECT id FROM jobs WHERE job_id = ?)
                    """,
                arguments: [jobID])
            else { return nil }
            let text: String = row["entries"]
            let entries = (try? JSONDecoder.workspace.decode([WorkspaceEntry].self, from: Data(text.utf8))) ?? []
            return (entries, Date(timeIntervalSince1970: row["as_of"]))
        }
    }

    // MARK: - Row mapping

    /// What a job row is read from (the jobs joined with their tasks, `t`), in the order
    /// `job(from:)` reads it.
    static let jobColumns = """
        job_id, uid, name, namespace, context, task_uuid, t.task_text, image, created_at, started_at,
        finished_at, status, retries, backoff_limit, node, pvc, pending_reason, deleted_at, t.task_spec,
        (SELECT phase FROM phase_changes p WHERE p.job = jobs.id ORDER BY time DESC, source_id DESC LIMIT 1) AS phase,
        queue, priority, queue_position
        """

    /// `jobColumns` without the task's text and spec (NULL in their place): no join.
    static let jobSummaryColumns = jobColumns
        .replacingOccurrences(of: "t.task_text,", with: "NULL,")
        .replacingOccurrences(of: "t.task_spec,", with: "NULL,")

    /// A row of `jobColumns`, read by position: by name, GRDB lowercases every column name
    /// of every row to find it, which was a third of listing a long history.
    static func job(from row: Row) -> AgentJob {
        AgentJob(
            id: row[0], uid: row[1], name: row[2], namespace: row[3], context: row[4], taskUUID: row[5], taskText: row[6],
            image: row[7], createdAt: date(row[8]), startedAt: date(row[9]), finishedAt: date(row[10]),
            status: JobStatus(rawValue: row[11]) ?? .pending, retries: row[12], backoffLimit: row[13], node: row[14],
            pvc: row[15], pendingReason: row[16], phase: (row[19] as String?).map(Phase.init(rawValue:)),
            deletedAt: date(row[17]), taskSpec: row[18], queue: row[20],
            priority: (row[21] as String?).flatMap(TaskPriority.init(rawValue:)), queuePosition: row[22])
    }

    static let traceColumns = """
        seq, source_id, time, agent_seq, kind, phase, text, tool, args, exit_code, duration_ms, raw, truncated,
        input_tokens, output_tokens, model
        """

    /// Steps the statement through the C API and reads columns in place: scrollback maps
    /// hundreds of rows per frame, and GRDB's `Row` copies every value first (that copy was
    /// most of a page's cost).
    private static func readTrace(
        _ statement: Statement, jobID: String, range: ClosedRange<Int64>, db: Database
    ) throws -> [TraceRecord] {
        let handle = statement.sqliteStatement
        sqlite3_reset(handle)
        defer {
            sqlite3_reset(handle)
            sqlite3_clear_bindings(handle)
        }
        bind(handle, 1, jobID)
        sqlite3_bind_int64(handle, 2, range.lowerBound)
        sqlite3_bind_int64(handle, 3, range.upperBound)
        var records: [TraceRecord] = []
        records.reserveCapacity(Int(clamping: min(range.upperBound - range.lowerBound + 1, 10_000)))
        while true {
            let code = sqlite3_step(handle)
            if code == SQLITE_DONE { break }
            guard code == SQLITE_ROW else {
                throw DatabaseError(
                    resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
            }
            records.append(TraceRecord(
                jobID: jobID, seq: sqlite3_column_int64(handle, 0), sourceID: text(handle, 1) ?? "",
                time: Date(timeIntervalSince1970: sqlite3_column_double(handle, 2)), agentSeq: int64(handle, 3),
                kind: text(handle, 4).flatMap(TraceKind.init(rawValue:)) ?? .message,
                phase: text(handle, 5).map(Phase.init(rawValue:)), text: text(handle, 6) ?? "", tool: text(handle, 7),
                args: text(handle, 8), exitCode: int64(handle, 9).map { Int(clamping: $0) },
                durationMs: int64(handle, 10), raw: text(handle, 11), truncated: sqlite3_column_int64(handle, 12) != 0,
                usage: int64(handle, 13).map { TokenUsage(inputTokens: $0, outputTokens: int64(handle, 14) ?? 0,
                    model: text(handle, 15)) }))
        }
        return records
    }

    private static func date(_ seconds: Double?) -> Date? {
        seconds.map(Date.init(timeIntervalSince1970:))
    }

    /// SQLite's plan for `sql`, a step a line (`EXPLAIN QUERY PLAN`): how tests check that a
    /// query is answered by index.
    func queryPlan(_ sql: String) throws -> [String] {
        try read { db in try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql).map { $0["detail"] } }
    }

    /// A read, with errors translated to sentences about this file.
    func read<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try pool.read(body)
        } catch {
            throw Self.translate(error, path: path)
        }
    }
}
