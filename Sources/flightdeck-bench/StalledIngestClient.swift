import FlightdeckCore
import Foundation
import HistoryStore
import KubeClient
import FlightdeckTestSupport
import Orchestrator

#if canImport(Glibc)
    import Glibc
#endif

/// The Flightdeck side of `log-drain-stall`, a child process of its own (hidden subcommand
/// `stall-client`): `PodLogIngestor` follows one agent pod's log into a fresh history file
/// whose write lock another process (Python's sqlite3) holds for the first `stall` seconds —
/// the consumer stalled — and which is slower than the socket afterwards (every line parsed,
/// redacted and committed with its indexes). Waits until every line is stored, then reports
/// the time, the lines stored and the process's peak RSS on stderr.
struct StalledIngestClient {
    let kubeconfig: String
    let namespace: String
    let jobName: String
    let jobID: String
    let lines: Int
    let database: String
    let stall: Int

    func run() async throws {
        let home = NSTemporaryDirectory() + "flightdeck-stall-\(getpid())"
        let connection = try BenchCluster.loader(home: home).load(kubeconfig: kubeconfig, namespace: namespace)
        let api = KubeAPI(connection: connection, qps: 100, burst: 100)
        let store = try HistoryStore(path: database)
        let lock = try SQLiteWriteLock(path: database, seconds: Double(stall))
        let writer = HistoryWriter(store: store)
        let ingestor = PodLogIngestor(api: api, namespace: namespace, writer: writer, jobName: jobName)
        let start = now()
        let task = Task { await ingestor.run() }
        var stored: Int64 = 0
        while stored < Int64(lines) {
            try await Task.sleep(for: .milliseconds(200))
            stored = try await countOffPool(store)
        }
        let seconds = now() - start
        task.cancel()
        lock.release()
        FileHandle.standardError.write(Data(("stall-client: \(stored) of \(lines) lines stored in \(format(seconds, 2)) s "
            + "(the store locked for the first \(stall) s), peak RSS \(format(peakMemoryMB())) MB\n").utf8))
        exit(0)  // the writer's queue is empty: everything is committed
    }

    private func countOffPool(_ store: HistoryStore) async throws -> Int64 {
        let jobID = self.jobID
        return try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try store.traceCount(jobID: jobID) }) }.start()
        }
    }
}
