import Foundation

/// Reads a database with Python's sqlite3 module: an independent client, so assertions about
/// what is on disk never go through the code under test.
public enum SQLiteProbe {
    /// The first column of the first row of `sql` as text ("" when there is no row).
    public static func scalar(_ path: String, _ sql: String) -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", "-c",
            "import sqlite3,sys; c=sqlite3.connect(sys.argv[1], isolation_level=None); r=c.execute(sys.argv[2]).fetchone(); print('' if r is None else r[0])",
            path, sql,
        ]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return "error: \(error)" }
        let data = (try? pipe.fileHandleForReading.readToEnd()) ?? Data()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// `scalar` on a thread of its own, for async tests: waiting for Python must not hold
    /// one of the cooperative threads that the in-process simulated cluster runs on.
    public static func scalar(_ path: String, _ sql: String) async -> String {
        await withCheckedContinuation { (done: CheckedContinuation<String, Never>) in
            Thread { done.resume(returning: scalar(path, sql) as String) }.start()
        }
    }
}
