import GRDB

extension HistoryStore {
    /// The schema's history, oldest first; `PRAGMA user_version` is how many have been applied.
    /// Never edit a shipped migration: append a new one.
    ///
    /// Times are stored as REAL Unix seconds (microsecond precision, compact, sortable).
    /// A job's trace is numbered densely from 1 (`seq`) and the trace table is clustered on
    /// (job, seq) (WITHOUT ROWID), so a page at any offset is one contiguous range scan of the
    /// table itself, no index hop per row; `source_id` makes ingestion idempotent.
    static let migrations: [String] = [
        // 1: jobs, trace, phase changes, markers.
        """
        CREATE TABLE jobs (
            id INTEGER PRIMARY KEY,
            job_id TEXT NOT NULL UNIQUE,
            uid TEXT,
            name TEXT NOT NULL,
            namespace TEXT NOT NULL,
            context TEXT,
            task_uuid TEXT,
            task_text TEXT,
            image TEXT,
            created_at REAL,
            started_at REAL,
            finished_at REAL,
            status TEXT NOT NULL,
            retries INTEGER NOT NULL DEFAULT 0,
            backoff_limit INTEGER,
            node TEXT,
            pvc TEXT,
            pending_reason TEXT,
            updated_at REAL NOT NULL
        );
        CREATE INDEX jobs_by_created ON jobs(created_at);

        CREATE TABLE trace (
            job INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
            seq INTEGER NOT NULL,
            source_id TEXT NOT NULL,
            time REAL NOT NULL,
            agent_seq INTEGER,
            kind TEXT NOT NULL,
            phase TEXT,
            text TEXT NOT NULL,
            tool TEXT,
            args TEXT,
            exit_code INTEGER,
            duration_ms INTEGER,
            raw TEXT,
            truncated INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (job, seq)
        ) WITHOUT ROWID;
        CREATE UNIQUE INDEX trace_by_source ON trace(job, source_id);

        CREATE TABLE phase_changes (
            job INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
            source_id TEXT NOT NULL,
            time REAL NOT NULL,
            phase TEXT NOT NULL,
            PRIMARY KEY (job, source_id)
        ) WITHOUT ROWID;
        CREATE INDEX phase_changes_by_time ON phase_changes(job, time);

        CREATE TABLE markers (
            job INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
            source_id TEXT NOT NULL,
            time REAL NOT NULL,
            kind TEXT NOT NULL,
            detail TEXT,
            PRIMARY KEY (job, source_id)
        ) WITHOUT ROWID;
        CREATE INDEX markers_by_time ON markers(job, time);
        """,
        // 2: Jobs the cluster deleted keep their history and outcome, with when they went.
        """
        ALTER TABLE jobs ADD COLUMN deleted_at REAL;
        """,
        // 3: The task as submitted (without secret contents), so a run can be retried.
        """
        ALTER TABLE jobs ADD COLUMN task_spec TEXT;
        """,
        // 4: The workspace as the agent last listed it (`files` events), for when the volume
        // cannot be read directly; one snapshot per job, replaced by newer ones.
        """
        CREATE TABLE workspace_snapshots (
            job INTEGER PRIMARY KEY REFERENCES jobs(id) ON DELETE CASCADE,
            source_id TEXT NOT NULL,
            as_of REAL NOT NULL,
            entries TEXT NOT NULL
        );
        """,
        // 5: What a cockpit asks for first, by index, however long the history: the newest
        // jobs (a page of the list in its default order), and the jobs that may still grow
        // (unfinished, or written lately) that its live feed polls. The task's text and spec
        // (kilobytes a job) move to a table of their own, so that listing every job reads
        // rows of a few hundred bytes.
        """
        CREATE INDEX jobs_by_age ON jobs(coalesce(created_at, updated_at), id);
        CREATE INDEX jobs_by_update ON jobs(updated_at);
        CREATE INDEX jobs_unfinished ON jobs(id) WHERE finished_at IS NULL AND deleted_at IS NULL;
        CREATE TABLE job_tasks (
            job INTEGER PRIMARY KEY REFERENCES jobs(id) ON DELETE CASCADE,
            task_text TEXT,
            task_spec TEXT
        );
        INSERT INTO job_tasks (job, task_text, task_spec)
            SELECT id, task_text, task_spec FROM jobs WHERE task_text IS NOT NULL OR task_spec IS NOT NULL;
        ALTER TABLE jobs DROP COLUMN task_text;
        ALTER TABLE jobs DROP COLUMN task_spec;
        """,
        // 6: Task queues: the queue and priority a job was submitted with, and its place in
        // line while it waits; the model tokens a record reports (`usage`), indexed by time for
        // the few records that carry it, so a queue's use today is summed without a scan, and
        // by job and model (covering), so a job's use per model is read without its other records.
        """
        ALTER TABLE jobs ADD COLUMN queue TEXT;
        ALTER TABLE jobs ADD COLUMN priority TEXT;
        ALTER TABLE jobs ADD COLUMN queue_position INTEGER;
        ALTER TABLE trace ADD COLUMN input_tokens INTEGER;
        ALTER TABLE trace ADD COLUMN output_tokens INTEGER;
        ALTER TABLE trace ADD COLUMN model TEXT;
        CREATE INDEX trace_usage_by_time ON trace(time, job) WHERE input_tokens IS NOT NULL;
        CREATE INDEX trace_usage_by_job ON trace(job, model, input_tokens, output_tokens) WHERE input_tokens IS NOT NULL;
        """,
    ]

    static var schemaVersion: Int { migrations.count }

    /// Checks that the file is ours and not from a newer Flightdeck, then applies the missing
    /// migrations — all in one IMMEDIATE transaction, so two processes opening a new file at
    /// once cannot both migrate it, and a failed migration leaves the file as it was.
    static func migrate(_ db: Database, path: String, readOnly: Bool) throws {
        let applicationID = try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0
        let version = try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
        if applicationID != Self.applicationID {
            let tables = try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master") ?? 0
            if applicationID != 0 || tables > 0 || version != 0 { throw HistoryStoreError.foreign(path: path) }
        }
        if version > schemaVersion {
            throw HistoryStoreError.newerSchema(path: path, version: version, supported: schemaVersion)
        }
        if version == schemaVersion { return }
        if readOnly {
            throw HistoryStoreError.readOnly(
                path: path, detail: "its schema is older than this flightdeck; open it once read-write to upgrade")
        }
        for migration in migrations[version...] { try db.execute(sql: migration) }
        try db.execute(sql: "PRAGMA application_id = \(Self.applicationID)")
        try db.execute(sql: "PRAGMA user_version = \(schemaVersion)")
    }
}
