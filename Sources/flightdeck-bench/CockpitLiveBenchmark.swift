import Foundation

/// The cockpit live, as a person would run it, measured from outside: a child process
/// (`cockpit-child`) runs the real cockpit loop on a pseudo-terminal of 200×60 this process
/// holds, under a steady stream of trace records, then idle. This side counts every byte
/// the terminal receives; the child reports display lag (hand-over to the writer → the draw
/// that shows the record), dropped records and its CPU time.
struct CockpitLiveBenchmark {
    let rate: Int
    let seconds: Int
    let idleSeconds: Int
    let startedAgo: Int
    let jobs: Int
    let memoryEvery: Int
    let directory: String

    func run() throws {
        let terminal = try PseudoTerminal(rows: 60, columns: 200)
        let received = terminal.received
        let report = directory + "/cockpit-live.report"
        try? FileManager.default.removeItem(atPath: report)
        print("cockpit-live: \(rate) records/s for \(seconds) s" + (jobs > 1 ? " over \(jobs) jobs" : "")
            + ", then \(idleSeconds) s idle, on a 200x60 pty (child process)"
            + (startedAgo > 0 ? ", the job started \(startedAgo) s before" : ""))
        let status = try terminal.runChild(["cockpit-child", "--db", directory + "/cockpit-live.db", "--report", report,
            "--rate", String(rate), "--seconds", String(seconds), "--idle", String(idleSeconds),
            "--started-ago", String(startedAgo), "--jobs", String(jobs), "--memory-every", String(memoryEvery)])
        terminal.close()
        guard status == 0, let figures = readReport(report) else {
            throw BenchError("cockpit-child exited with \(status) and no report")
        }
        func figure(_ key: String) -> Double { figures[key] ?? .nan }
        let loadStart = Int64(figure("load_start")), loadEnd = Int64(figure("load_end"))
        let idleStart = Int64(figure("idle_start")), idleEnd = Int64(figure("idle_end"))
        // Steady state: the load's second half, after the trace window has filled.
        let steadyStart = loadStart + (loadEnd - loadStart) / 2
        let steadyBytes = received.bytes(from: steadyStart, to: loadEnd)
        let idleBytes = received.bytes(from: idleStart, to: idleEnd)
        let loadSeconds = Double(loadEnd - loadStart) / 1e9
        let idleWindow = Double(idleEnd - idleStart) / 1e9
        print("  records: \(Int(figure("produced"))) produced, \(Int(figure("produced_shown_job"))) of them the shown job's, "
            + "last shown #\(Int(figure("shown"))), "
            + "\(Int(figure("not_shown"))) never shown, live feed fell behind \(Int(figure("feed_missed"))) times")
        print("  display lag (hand-over to the writer -> the frame showing it): p50 \(format(figure("lag_p50_ms"), 1)) ms, "
            + "p99 \(format(figure("lag_p99_ms"), 1)) ms, max \(format(figure("lag_max_ms"), 1)) ms   (goal p99 <= 50 ms, 0 dropped)")
        print("  frames drawn: \(Int(figure("draws"))) in \(format(loadSeconds + idleWindow + 2, 0)) s")
        print("  bytes to the terminal at steady state: \(grouped(Double(steadyBytes) / (Double(loadEnd - steadyStart) / 1e9))) B/s")
        print("  CPU under load: \(format(figure("cpu_load_seconds") / loadSeconds * 100, 1)) % of a core (writer, SQLite, feed, cockpit)")
        print("  idle for \(format(idleWindow, 0)) s: CPU \(format(figure("cpu_idle_seconds") / idleWindow * 100, 2)) % of a core, "
            + "\(grouped(Double(idleBytes) / idleWindow)) B/s to the terminal   (goal ~0)")
        print("  total bytes to the terminal: \(grouped(Double(received.total)))")
        let memory = figures.compactMap { key, value -> (Int, Double)? in
            guard key.hasPrefix("rss_kb_at_"), let at = Int(key.dropFirst("rss_kb_at_".count)) else { return nil }
            return (at, value)
        }.sorted { $0.0 < $1.0 }
        print("  resident memory during the load (MB at seconds): "
            + memory.map { "\(format($0.1 / 1024, 0)) @\($0.0)" }.joined(separator: ", "))
        print("  peak resident memory: \(format(figure("rss_peak_kb") / 1024, 0)) MB, "
            + "of which the benchmark's own lag arrays \(format(figure("bench_arrays_kb") / 1024, 1)) MB")
    }
}

/// Byte counts stamped with the time they arrived.
final class ByteLog: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [(nanoseconds: Int64, count: Int)] = []

    func add(_ count: Int, at nanoseconds: Int64) {
        lock.withLock { entries.append((nanoseconds, count)) }
    }

    var total: Int { lock.withLock { entries.reduce(0) { $0 + $1.count } } }

    func bytes(from start: Int64, to end: Int64) -> Int {
        lock.withLock { entries.filter { $0.nanoseconds >= start && $0.nanoseconds < end }.reduce(0) { $0 + $1.count } }
    }
}
