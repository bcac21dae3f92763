import FlightdeckCore
import Foundation
import GRDB
import GRDBSQLite

extension HistoryStore {
    // MARK: - Jobs

    /// Jobs newest first. The current phase comes from the latest phase change.
    public func jobs(_ query: JobQuery = JobQuery()) throws -> [AgentJob] {
        var clauses: [String] = []
        var arguments: StatementArguments = []
        if !query.statuses.isEmpty {
            let statuses = query.statuses.map(\.rawValue).sorted()
            clauses.append("status IN (\(databaseQuestionMarks(count: statuses.count)))")
            arguments += StatementArguments(statuses)
        }
        if let namespace = query.namespace {
            clauses.append("namespace = ?")
            arguments += [namespace]
        }
        if let context = query.context {
            clauses.append("context = ?")
            arguments += [context]
        }
        if let name = query.name {
            clauses.append("name = ?")
            arguments += [name]
        }
        if let text = query.text, !text.isEmpty {
            let columns = ["name", "job_id", "coalesce(task_text, '')", "coalesce(image, '')"]
            clauses.append("(" + columns.map { "instr(lower(\($0)), ?) > 0" }.joined(separator: " OR ") + ")")
            arguments += StatementArguments(Array(repeating: text.lowercased(), count: columns.count))
        }
        if let since = query.since {
            clauses.append("coalesce(created_at, updated_at) >= ?")
            arguments += [since.timeIntervalSince1970]
        }
        var sql = "SELECT \(Self.jobColumns) FROM jobs"
        if !clauses.isEmpty { sql += " WHERE " + clauses.joined(separator: " AND ") }
        sql += " ORDER BY coalesce(created_at, updated_at) DESC, id DESC"
        if let limit = query.limit { sql += " LIMIT \(max(0, limit))" }
        return try read { db in try Row.fetchAll(db, sql: sql, arguments: arguments).map(Self.job(from:)) }
    }

    public func job(id: String) throws -> AgentJob? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT \(Self.jobColumns) FROM jobs WHERE job_id = ?", arguments: [id])
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

    /// The last `seq` of every job that may still be growing: not finished, or finished,
    /// deleted or updated since `since`. One index seek per such job: cheap enough to ask a
    /// few times a second, which is how a live feed learns of records other processes stored.
    public func traceHeads(activeSince since: Date) throws -> [String: Int64] {
        try read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT job_id, (SELECT max(seq) FROM trace WHERE trace.job = jobs.id) AS head FROM jobs
                WHERE (finished_at IS NULL AND deleted_at IS NULL) OR finished_at >= ?1 OR deleted_at >= ?1
                    OR updated_at >= ?1
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

    /// Up to `limit` records after `seq` (for following a live trace).
    public func trace(jobID: String, after seq: Int64, limit: Int) throws -> [TraceRecord] {
        guard limit > 0 else { return [] }
        return try trace(jobID: jobID, seq: (seq + 1)...(seq + Int64(limit)))
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

    static let jobColumns = """
        job_id, uid, name, namespace, context, task_uuid, task_text, image, created_at, started_at,
        finished_at, status, retries, backoff_limit, node, pvc, pending_reason, deleted_at, task_spec,
        (SELECT phase FROM phase_changes p WHERE p.job = jobs.id ORDER BY time DESC, source_id DESC LIMIT 1) AS phase
        """

    static func job(from row: Row) -> AgentJob {
        AgentJob(
            id: row["job_id"], uid: row["uid"], name: row["name"], namespace: row["namespace"],
            context: row["context"], taskUUID: row["task_uuid"], taskText: row["task_text"], image: row["image"],
            createdAt: date(row["created_at"]), startedAt: date(row["started_at"]),
            finishedAt: date(row["finished_at"]),
            status: JobStatus(rawValue: row["status"]) ?? .pending,
            retries: row["retries"], backoffLimit: row["backoff_limit"], node: row["node"], pvc: row["pvc"],
            pendingReason: row["pending_reason"], phase: (row["phase"] as String?).map(Phase.init(rawValue:)),
            deletedAt: date(row["deleted_at"]), taskSpec: row["task_spec"])
    }

    static let traceColumns = """
        seq, source_id, time, agent_seq, kind, phase, text, tool, args, exit_code, duration_ms, raw, truncated
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
                durationMs: int64(handle, 10), raw: text(handle, 11), truncated: sqlite3_column_int64(handle, 12) != 0))
        }
        return records
    }

    private static func date(_ seconds: Double?) -> Date? {
        seconds.map(Date.init(timeIntervalSince1970:))
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
