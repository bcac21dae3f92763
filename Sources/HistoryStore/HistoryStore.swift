import FlightdeckCore
import Foundation
import GRDB
import GRDBSQLite

/// Flightdeck's memory: every job, trace record, phase change and marker it has seen, kept in
/// SQLite so a run can be read after Kubernetes has deleted its Job.
///
/// WAL mode, so readers (the cockpit, `flightdeck logs`) never block the writer and several
/// flightdeck processes on one host can share the file; a busy timeout instead of lock errors;
/// versioned migrations; writes in whole-batch IMMEDIATE transactions (see `write(_:)` and
/// `HistoryWriter`). Every error thrown is a `HistoryStoreError` naming the file.
public final class HistoryStore: Sendable {
    public struct Options: Sendable {
        /// Open without ever writing (no migration, no file creation).
        public var readOnly = false
        /// How long to wait for another process's write lock before failing.
        public var busyTimeout: TimeInterval = 15
        /// Caps the file at this many pages. SQLite then answers SQLITE_FULL exactly as on a
        /// full disk, which lets tests and operators bound the history's size.
        public var maxPageCount: Int?

        public init(readOnly: Bool = false, busyTimeout: TimeInterval = 15, maxPageCount: Int? = nil) {
            self.readOnly = readOnly
            self.busyTimeout = busyTimeout
            self.maxPageCount = maxPageCount
        }
    }

    /// `PRAGMA application_id` of a Flightdeck history ("FDK1"), to tell it from other SQLite files.
    public static let applicationID: Int32 = 0x4644_4B31

    public let path: String
    let pool: DatabasePool

    /// The SQLite library in use, e.g. "3.40.1".
    public static var sqliteVersion: String { String(cString: sqlite3_libversion()) }

    public init(path: String, options: Options = Options()) throws {
        self.path = path
        if case let .network(name) = FilesystemKind.of(path: path) {
            throw HistoryStoreError.networkFilesystem(path: path, filesystem: name)
        }
        try Self.prepareLocation(path: path, options: options)

        var config = Configuration()
        config.readonly = options.readOnly
        config.busyMode = .timeout(options.busyTimeout)
        config.label = "flightdeck.history"
        let maxPageCount = options.maxPageCount
        config.prepareDatabase { db in
            if !db.configuration.readonly {
                try db.execute(sql: "PRAGMA synchronous = NORMAL")
            }
            if let maxPageCount {
                try db.execute(sql: "PRAGMA max_page_count = \(maxPageCount)")
            }
        }
        do {
            pool = try DatabasePool(path: path, configuration: config)
        } catch {
            throw Self.translate(error, path: path)
        }
        do {
            if options.readOnly {
                try pool.read { db in try Self.migrate(db, path: path, readOnly: true) }
            } else {
                try writeImmediate { db in try Self.migrate(db, path: path, readOnly: false) }
            }
        } catch {
            throw Self.translate(error, path: path)
        }
    }

    /// `PRAGMA integrity_check`: `["ok"]` for a sound file, else SQLite's findings.
    public func integrityCheck() throws -> [String] {
        do {
            return try pool.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check") }
        } catch {
            throw Self.translate(error, path: path)
        }
    }

    /// Copies the WAL back into the main file so it stays small; cheap to call after prunes.
    public func checkpoint() throws {
        do {
            _ = try pool.writeWithoutTransaction { db in try db.checkpoint(.truncate) }
        } catch {
            throw Self.translate(error, path: path)
        }
    }

    // MARK: - Opening

    private static func prepareLocation(path: String, options: Options) throws {
        let fileManager = FileManager.default
        let exists = fileManager.fileExists(atPath: path)
        if options.readOnly, !exists {
            throw HistoryStoreError.cannotOpen(path: path, detail: "no history has been recorded there yet")
        }
        if exists {
            try checkHeader(path: path)
            return
        }
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty, !fileManager.fileExists(atPath: directory) {
            do {
                try fileManager.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                throw HistoryStoreError.readOnly(path: path, detail: "cannot create directory \(directory)")
            }
        }
        if !directory.isEmpty, !fileManager.isWritableFile(atPath: directory) {
            throw HistoryStoreError.readOnly(path: path, detail: "directory \(directory) is not writable")
        }
    }

    /// Rejects files that are not SQLite before SQLite gets to them (a truncated or foreign
    /// file would otherwise surface as a puzzling error deep in the migration).
    private static func checkHeader(path: String) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw HistoryStoreError.cannotOpen(path: path, detail: "permission denied")
        }
        defer { try? handle.close() }
        let header = (try? handle.read(upToCount: 16)) ?? Data()
        if header.isEmpty { return }  // an empty file is a new database
        if header != Data("SQLite format 3\0".utf8) {
            throw HistoryStoreError.corrupt(path: path, detail: "no SQLite header")
        }
    }

    // MARK: - Errors

    /// Maps whatever GRDB or SQLite threw onto a sentence about this file.
    static func translate(_ error: any Error, path: String) -> HistoryStoreError {
        if let error = error as? HistoryStoreError { return error }
        guard let error = error as? DatabaseError else {
            return .sqlite(path: path, code: -1, message: String(describing: error))
        }
        let message = error.message ?? "\(error.resultCode)"
        switch error.resultCode.primaryResultCode {
        case .SQLITE_NOTADB, .SQLITE_CORRUPT:
            return .corrupt(path: path, detail: message)
        case .SQLITE_FULL:
            return .diskFull(path: path)
        case .SQLITE_READONLY:
            return .readOnly(path: path, detail: message)
        case .SQLITE_CANTOPEN, .SQLITE_PERM, .SQLITE_AUTH:
            return .cannotOpen(path: path, detail: message)
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            return .busy(path: path)
        case .SQLITE_IOERR where error.extendedResultCode == ResultCode(rawValue: 10 | (13 << 8)):
            // SQLITE_IOERR_SHORT_READ on a truncated file.
            return .corrupt(path: path, detail: message)
        default:
            return .sqlite(path: path, code: error.resultCode.rawValue, message: message)
        }
    }
}
