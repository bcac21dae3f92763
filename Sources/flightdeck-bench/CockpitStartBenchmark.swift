import Foundation
import KubeClient

/// How long the cockpit takes to show a whole first frame with a long history, measured from
/// outside: a history file of `jobs` finished jobs and `records` trace records (made once,
/// kept), the simulated cluster in this process, and `flightdeck cockpit`'s start run as a
/// child on a 200×60 pseudo-terminal, `rounds` times. From the exec to the first frame that
/// shows every job counted, the selected job's trace and its timeline lane; then the same
/// cockpit idle: CPU, bytes to the terminal, resident memory.
struct CockpitStartBenchmark {
    let jobs: Int
    let records: Int
    let rounds: Int
    let idleSeconds: Int
    /// How many jobs the list's title must count for the frame to be whole (a build that
    /// lists fewer than all is measured by what it does list).
    let shownJobs: Int
    /// A history file to use as it is, instead of the one made here (for a side-by-side run
    /// of an older build, on a copy at its own schema).
    let historyFile: String?
    let directory: String

    func run() async throws {
        print("cockpit-start: \(grouped(Double(jobs))) jobs and \(grouped(Double(records))) trace records in history, "
            + "200x60 pty, \(rounds) rounds, then \(idleSeconds) s idle each")
        let cluster = try await BenchCluster.start(in: directory + "/start-sim")
        defer { Task { await cluster.stop() } }
        let connection = try BenchCluster.loader(home: directory + "/start-sim")
            .load(kubeconfig: cluster.kubeconfigPath, namespace: cluster.namespace)
        let history = try historyFile ?? StartHistory(jobs: jobs, records: records, namespace: cluster.namespace,
            context: connection.contextName).prepared(in: directory)
        let size = (try? FileManager.default.attributesOfItem(atPath: history)[.size] as? Int) ?? 0
        print("  history file \(format(Double(size) / 1e6, 0)) MB (the page cache warm, as on a second start)")

        var starts: [Double] = []
        for round in 1...rounds {
            let terminal = try PseudoTerminal(rows: 60, columns: 200)
            let report = directory + "/cockpit-start.report"
            try? FileManager.default.removeItem(atPath: report)
            var exec: Int64 = 0
            let status = try terminal.runChild(["cockpit-start-child", "--db", history,
                "--kubeconfig", cluster.kubeconfigPath, "--home", directory + "/start-sim", "--jobs", String(shownJobs),
                "--idle", String(idleSeconds), "--report", report]) { exec = nowNanoseconds() }
            terminal.close()
            guard status == 0, let figures = readReport(report), let full = figures["full_frame_ns"], full > 0 else {
                throw BenchError("cockpit-start-child exited with \(status) and no whole frame (see \(report))")
            }
            func since(_ key: String) -> Double { ((figures[key] ?? .nan) - Double(exec)) / 1e6 }
            let idle = figures["cpu_idle_seconds"] ?? .nan
            let idleStart = Int64(full) + 3_000_000_000
            let idleBytes = terminal.received.bytes(from: idleStart, to: idleStart + Int64(idleSeconds) * 1_000_000_000)
            starts.append(since("full_frame_ns"))
            print("  round \(round): whole first frame \(format(since("full_frame_ns"), 1)) ms after exec "
                + "(main entered \(format(since("entered_ns"), 1)) ms, history open \(format(since("store_opened_ns"), 1)), "
                + "terminal \(format(since("session_started_ns"), 1)), first draw \(format(since("first_draw_ns"), 1)), "
                + "count \(format(since("jobs_shown_ns"), 1)), trace \(format(since("trace_shown_ns"), 1)), "
                + "lane \(format(since("lane_shown_ns"), 1)) ms); "
                + "idle \(format(idle / Double(idleSeconds) * 100, 3)) % of a core, "
                + "\(format(Double(idleBytes) / Double(idleSeconds), 0)) B/s to the terminal, "
                + "\(Int(figures["idle_draws"] ?? 0)) draws; resident \(format((figures["rss_kb"] ?? 0) / 1024, 0)) MB")
        }
        starts.sort()
        print("  whole first frame, median of \(rounds): \(format(percentile(starts, 0.5), 1)) ms   (goal <= 100 ms)")
    }
}
