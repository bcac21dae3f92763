import FlightdeckCore
import Foundation
import GRDB

/// The agent's durable state: a LangGraph-style SQLite checkpoint database
/// (`checkpoints/job_<id>.db` in the workspace), one `checkpoints` row per finished step.
///
/// Why this shape: the product reads and ships this file (the architecture's
/// `workspace/checkpoints/job_{id}.db`), so it has LangGraph's `SqliteSaver` tables
/// (`checkpoints`, `writes`) and grows step by step like the real thing; a restarted container
/// or a retried pod resumes from its last row. The checkpoint blob is JSON (`type` `json`)
/// rather than LangGraph's msgpack, so people can read it with `sqlite3`.
///
/// `sim_faults` remembers which one-shot simulated faults already fired (see `FaultPlan`).
/// WAL mode, as the architecture recommends for agent loops.
public final class CheckpointStore: Sendable {
    /// What the agent needs back after a restart.
    public struct Checkpoint: Sendable, Hashable {
        /// The last finished step (1-based).
        public var step: Int
        /// The trace `seq` of the checkpoint's own record; the next record continues after it.
        public var seq: Int64
        public var summary: String

        public init(step: Int, seq: Int64, summary: String) {
            self.step = step
            self.seq = seq
            self.summary = summary
        }
    }

    public let path: String
    let threadID: String
    private let pool: DatabasePool

    /// Opens (creating the directory and tables when missing) the database at `path`.
    public init(path: String, threadID: String) throws {
        self.path = path
        self.threadID = threadID
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        pool = try DatabasePool(path: path, configuration: configuration)
        try pool.write { db in
            try db.execute(sql: """
                CREATE TABLE IF NOT EXISTS checkpoints (
                    thread_id TEXT NOT NULL,
                    checkpoint_ns TEXT NOT NULL DEFAULT '',
                    checkpoint_id TEXT NOT NULL,
                    parent_checkpoint_id TEXT,
                    type TEXT,
                    checkpoint BLOB,
                    metadata BLOB,
                    PRIMARY KEY (thread_id, checkpoint_ns, checkpoint_id)
                );
                CREATE TABLE IF NOT EXISTS writes (
                    thread_id TEXT NOT NULL,
                    checkpoint_ns TEXT NOT NULL DEFAULT '',
                    checkpoint_id TEXT NOT NULL,
                    task_id TEXT NOT NULL,
                    idx INTEGER NOT NULL,
                    channel TEXT NOT NULL,
                    type TEXT,
                    value BLOB,
                    PRIMARY KEY (thread_id, checkpoint_ns, checkpoint_id, task_id, idx)
                );
                CREATE TABLE IF NOT EXISTS sim_commands (
                    id TEXT PRIMARY KEY,
                    checkpoint_id TEXT NOT NULL
                );
                CREATE TABLE IF NOT EXISTS sim_faults (
                    kind TEXT NOT NULL,
                    step INTEGER NOT NULL,
                    fired_at TEXT NOT NULL,
                    PRIMARY KEY (kind, step)
                );
                """)
        }
    }

    /// Checkpoint ids sort in step order, as LangGraph's time-ordered uuid6 ids do.
    static func checkpointID(step: Int) -> String {
        let digits = String(step)
        return "1f0" + String(repeating: "0", count: max(0, 9 - digits.count)) + digits
    }

    /// The latest checkpoint of this thread, or `nil` before the first step finished.
    public func last() throws -> Checkpoint? {
        try pool.read { db in
            guard let row = try Row.fetchOne(db, sql: """
                SELECT checkpoint FROM checkpoints WHERE thread_id = ? AND checkpoint_ns = ''
                ORDER BY checkpoint_id DESC LIMIT 1
                """, arguments: [threadID]),
                let text = row["checkpoint"] as String?,
                let json = try? JSONParser().parse(Array(text.utf8)),
                let step = json[path: ["channel_values", "step"]]?.int64Value,
                let seq = json[path: ["channel_values", "seq"]]?.int64Value
            else { return nil }
            return Checkpoint(step: Int(step), seq: seq,
                summary: json[path: ["channel_values", "summary"]]?.stringValue ?? "")
        }
    }

    /// Saves the checkpoint of a finished step (and its `writes` row), and, in the same
    /// transaction, the ids of the operator commands it carried out.
    public func save(_ checkpoint: Checkpoint, ts: String, instructions: [String], commandIDs: [String] = []) throws {
        let id = Self.checkpointID(step: checkpoint.step)
        let parent = checkpoint.step > 1 ? Self.checkpointID(step: checkpoint.step - 1) : nil
        let body: JSONValue = [
            "v": 1, "id": .string(id), "ts": .string(ts),
            "channel_values": [
                "step": .integer(Int64(checkpoint.step)), "seq": .integer(checkpoint.seq),
                "summary": .string(checkpoint.summary), "instructions": .array(instructions.map(JSONValue.string)),
            ],
            "channel_versions": ["step": .integer(Int64(checkpoint.step))],
        ]
        let metadata: JSONValue = ["source": "loop", "step": .integer(Int64(checkpoint.step)), "parents": .emptyObject]
        try pool.write { db in
            try db.execute(sql: """
                INSERT OR REPLACE INTO checkpoints
                    (thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, type, checkpoint, metadata)
                VALUES (?, '', ?, ?, 'json', ?, ?)
                """, arguments: [threadID, id, parent, body.serialized, metadata.serialized])
            try db.execute(sql: """
                INSERT OR REPLACE INTO writes (thread_id, checkpoint_ns, checkpoint_id, task_id, idx, channel, type, value)
                VALUES (?, '', ?, ?, 0, 'summary', 'json', ?)
                """, arguments: [threadID, id, "step-\(checkpoint.step)", JSONValue.string(checkpoint.summary).serialized])
            for commandID in commandIDs {
                try db.execute(sql: "INSERT OR IGNORE INTO sim_commands (id, checkpoint_id) VALUES (?, ?)",
                    arguments: [commandID, id])
            }
        }
    }

    /// Which of `ids` a saved checkpoint already carried out.
    public func appliedCommands(among ids: [String]) throws -> Set<String> {
        guard !ids.isEmpty else { return [] }
        let marks = ids.map { _ in "?" }.joined(separator: ",")
        return try pool.read { db in
            Set(try String.fetchAll(db, sql: "SELECT id FROM sim_commands WHERE id IN (\(marks))",
                arguments: StatementArguments(ids)))
        }
    }

    /// How many checkpoints this thread has.
    public func count() throws -> Int {
        try pool.read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM checkpoints WHERE thread_id = ?", arguments: [threadID]) ?? 0
        }
    }

    /// The one-shot faults that already fired.
    public func firedFaults() throws -> Set<FaultPlan.Fault> {
        try pool.read { db in
            var faults: Set<FaultPlan.Fault> = []
            for row in try Row.fetchAll(db, sql: "SELECT kind, step FROM sim_faults") {
                if let kind = FaultPlan.Kind(rawValue: row["kind"] as String? ?? ""), let step = row["step"] as Int? {
                    faults.insert(FaultPlan.Fault(kind: kind, step: step))
                }
            }
            return faults
        }
    }

    public func recordFault(_ fault: FaultPlan.Fault, ts: String) throws {
        try pool.write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO sim_faults (kind, step, fired_at) VALUES (?, ?, ?)",
                arguments: [fault.kind.rawValue, fault.step, ts])
        }
    }
}
