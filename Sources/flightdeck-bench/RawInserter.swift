import FlightdeckCore
import Foundation
import GRDBSQLite

/// The baseline: prepared-statement inserts through the SQLite C API, batched in
/// transactions, into the same schema with the same pragmas as the history store.
final class RawInserter {
    private var db: OpaquePointer?
    private var insert: OpaquePointer?
    private let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)

    init(path: String) throws {
        guard sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, nil) == SQLITE_OK else {
            throw BenchError("cannot open \(path)")
        }
        try exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON")
        try exec("INSERT OR IGNORE INTO jobs (job_id, name, namespace, status, updated_at) VALUES ('bench', 'bench', '', 'running', 0)")
        let sql = """
            INSERT OR IGNORE INTO trace
                (job, seq, source_id, time, agent_seq, kind, phase, text, tool, args, exit_code, duration_ms, raw, truncated)
            VALUES ((SELECT id FROM jobs WHERE job_id = 'bench'), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """
        guard sqlite3_prepare_v2(db, sql, -1, &insert, nil) == SQLITE_OK else { throw BenchError(message) }
    }

    deinit {
        sqlite3_finalize(insert)
        sqlite3_close_v2(db)
    }

    var message: String { String(cString: sqlite3_errmsg(db)) }

    func exec(_ sql: String) throws {
        guard sqlite3_exec(db, sql, nil, nil, nil) == SQLITE_OK else { throw BenchError(message) }
    }

    /// Inserts `records` numbered from `firstSeq`, `batch` rows per transaction.
    func insert(_ records: [TraceRecord], firstSeq: Int64 = 1, batch: Int) throws {
        var seq = firstSeq
        var index = 0
        while index < records.count {
            try exec("BEGIN IMMEDIATE")
            for record in records[index..<min(records.count, index + batch)] {
                sqlite3_bind_int64(insert, 1, seq)
                bind(2, record.sourceID)
                sqlite3_bind_double(insert, 3, record.time.timeIntervalSince1970)
                if let agentSeq = record.agentSeq { sqlite3_bind_int64(insert, 4, agentSeq) } else { sqlite3_bind_null(insert, 4) }
                bind(5, record.kind.rawValue)
                bind(6, record.phase?.rawValue)
                bind(7, record.text)
                bind(8, record.tool)
                bind(9, record.args)
                if let code = record.exitCode { sqlite3_bind_int64(insert, 10, Int64(code)) } else { sqlite3_bind_null(insert, 10) }
                if let ms = record.durationMs { sqlite3_bind_int64(insert, 11, ms) } else { sqlite3_bind_null(insert, 11) }
                bind(12, record.raw)
                sqlite3_bind_int64(insert, 13, record.truncated ? 1 : 0)
                guard sqlite3_step(insert) == SQLITE_DONE else { throw BenchError(message) }
                sqlite3_reset(insert)
                seq += 1
            }
            try exec("COMMIT")
            index += batch
        }
    }

    private func bind(_ index: Int32, _ value: String?) {
        guard var value else {
            sqlite3_bind_null(insert, index)
            return
        }
        value.withUTF8 { bytes in
            _ = sqlite3_bind_text(
                insert, index, UnsafeRawPointer(bytes.baseAddress ?? UnsafePointer(bitPattern: 1)!)
                    .assumingMemoryBound(to: CChar.self), Int32(bytes.count), transient)
        }
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
