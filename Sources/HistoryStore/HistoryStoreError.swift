import Foundation

/// Why the history database could not be used, phrased for the operator: each case names
/// the file and says what to do. `description` is one line, suitable for a CLI error.
public enum HistoryStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file exists but is not a SQLite database, or its pages are damaged.
    case corrupt(path: String, detail: String)
    /// A SQLite database that some other program owns.
    case foreign(path: String)
    /// Written by a newer Flightdeck whose schema this build does not know.
    case newerSchema(path: String, version: Int, supported: Int)
    /// The file or its directory cannot be written.
    case readOnly(path: String, detail: String)
    /// The file or its directory cannot be created or opened.
    case cannotOpen(path: String, detail: String)
    /// The disk (or the database's size limit) is full; the batch was rolled back whole.
    case diskFull(path: String)
    /// WAL needs shared memory on one host: NFS, SMB and friends corrupt it.
    case networkFilesystem(path: String, filesystem: String)
    /// Another process held the write lock for longer than the busy timeout.
    case busy(path: String)
    /// Anything else SQLite reported.
    case sqlite(path: String, code: Int32, message: String)
    /// Written after its writer was closed (a source still winding down): not stored.
    case writerClosed(path: String)

    public var description: String {
        switch self {
        case let .corrupt(path, detail):
            "history database \(path) is damaged or not a SQLite file (\(detail)); move it aside and Flightdeck will start a new one"
        case let .foreign(path):
            "\(path) is a SQLite database but not a Flightdeck history; choose another path with --history-db or FLIGHTDECK_HISTORY_DB"
        case let .newerSchema(path, version, supported):
            "history database \(path) was written by a newer Flightdeck (schema \(version), this one knows up to \(supported)); upgrade flightdeck or use another --history-db"
        case let .readOnly(path, detail):
            "cannot write history database \(path) (\(detail)); make its directory writable or choose another path with --history-db"
        case let .cannotOpen(path, detail):
            "cannot open history database \(path) (\(detail)); check the path, or choose another with --history-db"
        case let .diskFull(path):
            "disk full while writing history database \(path); nothing from the failed batch was written, free some space (or run `flightdeck history prune`) and retry"
        case let .networkFilesystem(path, filesystem):
            "history database \(path) is on a network filesystem (\(filesystem)); SQLite WAL needs a local disk: put it on a local path with --history-db"
        case let .busy(path):
            "history database \(path) stayed locked by another process past the busy timeout; retry, or check for a stuck flightdeck"
        case let .sqlite(path, code, message):
            "history database \(path): SQLite error \(code): \(message)"
        case let .writerClosed(path):
            "history database \(path): a write arrived after its writer was closed and was not stored"
        }
    }
}
