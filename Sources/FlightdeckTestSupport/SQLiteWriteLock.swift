import Foundation

/// Another process (Python's sqlite3) holding a SQLite file's write lock (`BEGIN IMMEDIATE`)
/// for `seconds`, or until `release()`: a store that is stuck for reasons outside Flightdeck.
public final class SQLiteWriteLock: Sendable {
    private let process: Process

    public init(path: String, seconds: Double) throws {
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c",
            "import sqlite3,sys,time; c=sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30); "
                + "c.execute('BEGIN IMMEDIATE'); print('locked', flush=True); time.sleep(float(sys.argv[2]))",
            path, String(seconds)]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        guard FirstLine.read(from: out.fileHandleForReading).hasPrefix("locked") else {
            throw SkipReason("python3 could not lock \(path)")
        }
    }

    public func release() {
        if process.isRunning { process.terminate() }
    }
}
