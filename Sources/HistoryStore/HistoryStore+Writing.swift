import FlightdeckCore
import Foundation
import GRDB
import GRDBSQLite

extension HistoryStore {
    /// Writes a batch in one IMMEDIATE transaction: all of it or, on any error, none of it.
    ///
    /// IMMEDIATE takes the write lock up front, so two processes sharing the file queue on the
    /// busy timeout instead of failing on a read-to-write upgrade. Each job's next `seq` is read
    /// inside the transaction, which keeps numbering dense and identical whichever process
    /// inserts a record first.
    @discardableResult
    public func write(_ batch: [HistoryWrite]) throws -> HistoryCommit {
        if batch.isEmpty { return HistoryCommit() }
        return try writeImmediate { db in try Self.apply(batch, db: db) }
    }

    /// Runs `body` in one IMMEDIATE transaction, with errors translated for this file.
    func writeImmediate<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try pool.writeWithoutTransaction { db in
                var result: T?
                try db.inTransaction(.immediate) {
                    result = try body(db)
                    return .commit
                }
                return result!
            }
        } catch {
            throw Self.translate(error, path: path)
        }
    }

    private static func apply(_ batch: [HistoryWrite], db: Database) throws -> HistoryCommit {
        var commit = HistoryCommit()
        commit.records.reserveCapacity(batch.count)
        var rows = JobRows(db: db)
        // Jobs with new records, by row: a job's id is hashed into `jobsChanged` once, not per record.
        var grown: Set<Int64> = []
        let now = Date().timeIntervalSince1970
        let insertTrace = try db.cachedStatement(sql: """
            INSERT OR IGNORE INTO trace
                (job, seq, source_id, time, agent_seq, kind, phase, text, tool, args, exit_code, duration_ms, raw, truncated,
                 input_tokens, output_tokens, model)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        // As frequent as trace rows (a ReAct loop changes phase every few records).
        let insertPhase = try db.cachedStatement(sql: """
            INSERT OR IGNORE INTO phase_changes (job, source_id, time, phase) VALUES (?, ?, ?, ?)
            """)
        for write in batch {
            switch write {
            case let .job(job):
                try upsert(job, db: db, now: now)
                rows.forget(job.id)
                commit.jobsChanged.insert(job.id)
            case let .jobIfAbsent(job):
                if try Int64.fetchOne(db, sql: "SELECT id FROM jobs WHERE job_id = ?", arguments: [job.id]) == nil {
                    try upsert(job, db: db, now: now)
                    rows.forget(job.id)
                    commit.jobsChanged.insert(job.id)
                } else {
                    commit.duplicates += 1
                }
            case let .telemetryRunEnded(jobID, failed, time):
                try db.execute(sql: """
                    UPDATE jobs SET status = ?, finished_at = ?, updated_at = ?
                    WHERE job_id = ? AND uid IS NULL AND finished_at IS NULL
                    """, arguments: [failed ? JobStatus.failed.rawValue : JobStatus.succeeded.rawValue,
                        time.timeIntervalSince1970, now, jobID])
                if db.changesCount > 0 { commit.jobsChanged.insert(jobID) } else { commit.duplicates += 1 }
            case var .trace(record):
                let row = try rows.row(for: record.jobID, now: now)
                let seq = try rows.nextSeq(for: row)
                record.seq = seq
                if try insert(record, job: row, statement: insertTrace, db: db) {
                    rows.advanceSeq(for: row)
                    if grown.insert(row).inserted { commit.jobsChanged.insert(record.jobID) }
                    commit.records.append(record)
                } else {
                    commit.duplicates += 1
                }
            case let .phaseChange(jobID, phase, time, sourceID):
                let row = try rows.row(for: jobID, now: now)
                let handle = insertPhase.sqliteStatement
                sqlite3_bind_int64(handle, 1, row)
                bind(handle, 2, sourceID)
                sqlite3_bind_double(handle, 3, time.timeIntervalSince1970)
                bind(handle, 4, phase.rawValue)
                try step(handle, db: db)
                if db.changesCount > 0 { commit.jobsChanged.insert(jobID) } else { commit.duplicates += 1 }
            case let .marker(marker, sourceID):
                let row = try rows.row(for: marker.jobID, now: now)
                try db.cachedStatement(
                    sql: "INSERT OR IGNORE INTO markers (job, source_id, time, kind, detail) VALUES (?, ?, ?, ?, ?)"
                ).execute(arguments: [row, sourceID, marker.time.timeIntervalSince1970, marker.kind.rawValue, marker.detail])
                if db.changesCount > 0 { commit.jobsChanged.insert(marker.jobID) } else { commit.duplicates += 1 }
            case let .workspace(jobID, entries, asOf, sourceID):
                let row = try rows.row(for: jobID, now: now)
                let encoded = String(decoding: try JSONEncoder.workspace.encode(entries), as: UTF8.self)
                try db.execute(
                    sql: """
                        INSERT INTO workspace_snapshots (job, source_id, as_of, entries) VALUES (?, ?, ?, ?)
                        ON CONFLICT (job) DO UPDATE SET source_id = excluded.source_id, as_of = excluded.as_of,
                            entries = excluded.entries
                        WHERE excluded.as_of > workspace_snapshots.as_of
                        """,
                    arguments: [row, sourceID, asOf.timeIntervalSince1970, encoded])
                if db.changesCount > 0 { commit.jobsChanged.insert(jobID) } else { commit.duplicates += 1 }
            }
        }
        return commit
    }

    // MARK: - Jobs

    private static func upsert(_ job: AgentJob, db: Database, now: TimeInterval) throws {
        try db.execute(
            sql: """
                INSERT INTO jobs (job_id, uid, name, namespace, context, task_uuid, image,
                                  created_at, started_at, finished_at, status, retries, backoff_limit,
                                  node, pvc, pending_reason, updated_at, deleted_at, queue, priority, queue_position)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (job_id) DO UPDATE SET
                    uid = coalesce(excluded.uid, uid),
                    name = excluded.name,
                    namespace = excluded.namespace,
                    context = coalesce(excluded.context, context),
                    task_uuid = coalesce(excluded.task_uuid, task_uuid),
                    image = coalesce(excluded.image, image),
                    created_at = coalesce(excluded.created_at, created_at),
                    started_at = coalesce(excluded.started_at, started_at),
                    finished_at = coalesce(excluded.finished_at, finished_at),
                    status = excluded.status,
                    retries = excluded.retries,
                    backoff_limit = coalesce(excluded.backoff_limit, backoff_limit),
                    node = coalesce(excluded.node, node),
                    pvc = coalesce(excluded.pvc, pvc),
                    pending_reason = excluded.pending_reason,
                    updated_at = excluded.updated_at,
                    deleted_at = coalesce(excluded.deleted_at, deleted_at),
                    queue = coalesce(excluded.queue, queue),
                    priority = coalesce(excluded.priority, priority),
                    queue_position = excluded.queue_position
                """,
            arguments: [
                job.id, job.uid, job.name, job.namespace, job.context, job.taskUUID, job.image,
                job.createdAt?.timeIntervalSince1970, job.startedAt?.timeIntervalSince1970,
                job.finishedAt?.timeIntervalSince1970, job.status.rawValue, job.retries, job.backoffLimit,
                job.node, job.pvc, job.pendingReason, now, job.deletedAt?.timeIntervalSince1970,
                job.queue, job.priority?.rawValue, job.queuePosition,
            ])
        guard job.taskText != nil || job.taskSpec != nil else { return }
        try db.execute(
            sql: """
                INSERT INTO job_tasks (job, task_text, task_spec) VALUES ((SELECT id FROM jobs WHERE job_id = ?), ?, ?)
                ON CONFLICT (job) DO UPDATE SET
                    task_text = coalesce(excluded.task_text, task_text),
                    task_spec = coalesce(excluded.task_spec, task_spec)
                """,
            arguments: [job.id, job.taskText, job.taskSpec])
    }

    /// The jobs table rows a batch touches, and each job's next trace number, read once per
    /// batch (inside its transaction, so another process's inserts are seen).
    private struct JobRows {
        let db: Database
        var rows: [String: Int64] = [:]
        var nextSeqs: [Int64: Int64] = [:]

        init(db: Database) { self.db = db }

        mutating func row(for jobID: String, now: TimeInterval) throws -> Int64 {
            if let row = rows[jobID] { return row }
            if let row = try Int64.fetchOne(db, sql: "SELECT id FROM jobs WHERE job_id = ?", arguments: [jobID]) {
                rows[jobID] = row
                return row
            }
            // Trace can arrive before the cluster watch has told us about the Job.
            try db.execute(
                sql: "INSERT INTO jobs (job_id, name, namespace, status, updated_at) VALUES (?, ?, '', ?, ?)",
                arguments: [jobID, jobID, JobStatus.pending.rawValue, now])
            let row = db.lastInsertedRowID
            rows[jobID] = row
            return row
        }

        mutating func forget(_ jobID: String) { rows[jobID] = nil }

        mutating func nextSeq(for row: Int64) throws -> Int64 {
            if let next = nextSeqs[row] { return next }
            let last = try Int64.fetchOne(db, sql: "SELECT max(seq) FROM trace WHERE job = ?", arguments: [row]) ?? 0
            nextSeqs[row] = last + 1
            return last + 1
        }

        mutating func advanceSeq(for row: Int64) { nextSeqs[row, default: 1] += 1 }
    }

    // MARK: - Trace rows (the hot path: bound directly, no per-value boxing)

    private static func insert(_ record: TraceRecord, job: Int64, statement: Statement, db: Database) throws -> Bool {
        let handle = statement.sqliteStatement
        sqlite3_reset(handle)
        sqlite3_bind_int64(handle, 1, job)
        sqlite3_bind_int64(handle, 2, record.seq)
        bind(handle, 3, record.sourceID)
        sqlite3_bind_double(handle, 4, record.time.timeIntervalSince1970)
        bind(handle, 5, record.agentSeq)
        bind(handle, 6, record.kind.rawValue)
        bind(handle, 7, record.phase?.rawValue)
        bind(handle, 8, record.text)
        bind(handle, 9, record.tool)
        bind(handle, 10, record.args)
        bind(handle, 11, record.exitCode.map(Int64.init))
        bind(handle, 12, record.durationMs)
        bind(handle, 13, record.raw)
        sqlite3_bind_int64(handle, 14, record.truncated ? 1 : 0)
        if let usage = record.usage {
            sqlite3_bind_int64(handle, 15, usage.inputTokens)
            sqlite3_bind_int64(handle, 16, usage.outputTokens)
            bind(handle, 17, usage.model)
        }
        try step(handle, db: db)
        return sqlite3_changes(db.sqliteConnection) > 0
    }

    /// Runs a statement bound by hand, and leaves it reset and unbound for the next row.
    private static func step(_ handle: OpaquePointer?, db: Database) throws {
        let code = sqlite3_step(handle)
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        guard code == SQLITE_DONE else {
            throw DatabaseError(
                resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
        }
    }
}

extension JSONEncoder {
    /// Workspace listings are stored as compact JSON with dates as Unix seconds.
    static var workspace: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .secondsSince1970
        return encoder
    }
}

extension JSONDecoder {
    static var workspace: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        return decoder
    }
}
