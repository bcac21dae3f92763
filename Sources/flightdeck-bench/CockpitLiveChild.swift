import CockpitUI
import FlightdeckCore
import FlightdeckTestSupport
import Foundation
import HistoryStore
import Orchestrator
import Synchronization
import TerminalIO

/// The process `cockpit-live` measures, on the pty it is given as stdin/stdout: the real
/// cockpit loop (`CockpitLoop`, ncurses, 60 frames a second at most) fed by the real history
/// path (`HistoryWriter` with the cockpit's limits → SQLite → `LiveFeed`), while a producer
/// thread hands records to the writer at `rate` a second for `seconds`, then nothing for
/// `idleSeconds`. Writes its figures to `report` as `key value` lines.
struct CockpitLiveChild {
    let database: String
    let report: String
    let rate: Int
    let seconds: Int
    let idleSeconds: Int
    let startedAgo: Int
    /// How many running jobs the records are spread over, round robin; the cockpit shows the
    /// first, whose records the lag is measured on.
    let jobs: Int
    /// Every this many seconds of the load, the resident memory is noted.
    let memoryEvery: Int

    static let jobID = "live"

    /// The id of the `index`th job (the first is `jobID`).
    static func jobID(_ index: Int) -> String { index == 0 ? jobID : "\(jobID)-\(index)" }

    func run() async throws {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: database + suffix) }
        let store = try HistoryStore(path: database)
        let feed = LiveFeed(store: store)
        // The cockpit's writer: `HistoryKeeper` builds it with these (default) limits.
        let writer = HistoryWriter(store: store, limits: HistoryWriter.Limits()) { outcome in
            if case .committed(let commit) = outcome { feed.publish(commit) }
        }
        let started = Date().addingTimeInterval(-Double(startedAgo))
        let all = (0..<max(1, jobs)).map { index in
            AgentJob(id: Self.jobID(index), name: index == 0 ? "live-agent" : "live-agent-\(index)", namespace: "agents",
                     createdAt: started, startedAt: started, status: .running, retries: 0, backoffLimit: 3,
                     node: "k3s-node-1", phase: .tactical)
        }
        for job in all { try await writer.enqueue(.job(job)) }
        try await writer.flushed()

        let watcher = TitleWatchingBackend(CursesBackend(options: .init(environment: ProcessInfo.processInfo.environment)))
        let session = try TerminalSession(backend: watcher)
        let loop = CockpitLoop(session: session)
        let size = session.size
        let initial = CockpitState(width: size.width, height: size.height, now: Date(),
                                   glyphs: session.capabilities.isUTF8 ? .unicode : .ascii)
        let missed = Mutex(0)
        let producer = Producer(writer: writer, rate: rate, seconds: seconds, jobs: all.count)
        let phases = Mutex<[String: Int64]>([:])

        let loopTask = Task {
            await loop.run(initial) { effect in
                switch effect {
                case .loadTraceTail(let jobID, let count):
                    let records = (try? store.traceTail(jobID: jobID, limit: count)) ?? []
                    loop.send(.tracePageLoaded(jobID: jobID, records: records, total: (try? store.traceCount(jobID: jobID)) ?? 0))
                case .loadTrace(let jobID, let range):
                    let records = (try? store.trace(jobID: jobID, seq: range)) ?? []
                    loop.send(.tracePageLoaded(jobID: jobID, records: records, total: (try? store.traceCount(jobID: jobID)) ?? 0))
                default:
                    break
                }
            }
        }
        let othersTask = Task { await feed.followOtherWriters() }  // as HistoryKeeper runs it
        let feedTask = Task {
            for await update in feed.updates() {
                if !update.records.isEmpty { loop.send(.traceAppended(update.records)) }
                if !update.missed.isEmpty { missed.withLock { $0 += 1 } }
            }
        }
        loop.send(.jobsListed(all))
        try await Task.sleep(for: .seconds(1))  // the first frame, the (empty) trace loaded

        phases.withLock { $0["load_start"] = nowNanoseconds() }
        let cpuLoadStart = cpuSeconds()
        let memory = Task {
            var samples: [(seconds: Int, kilobytes: Int)] = [(0, residentKilobytes())]
            var elapsed = 0
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(memoryEvery))
                elapsed += memoryEvery
                samples.append((elapsed, residentKilobytes()))
            }
            return samples
        }
        await producer.run()
        memory.cancel()
        let memorySamples = await memory.value
        phases.withLock { $0["load_end"] = nowNanoseconds() }
        let cpuLoad = cpuSeconds() - cpuLoadStart
        try await writer.flushed()
        try await Task.sleep(for: .seconds(1))  // the last records reach the screen

        phases.withLock { $0["idle_start"] = nowNanoseconds() }
        let cpuIdleStart = cpuSeconds()
        try await Task.sleep(for: .seconds(idleSeconds))
        let cpuIdle = cpuSeconds() - cpuIdleStart
        phases.withLock { $0["idle_end"] = nowNanoseconds() }

        loop.quit()
        _ = await loopTask.value
        session.shutdown()
        feedTask.cancel()
        othersTask.cancel()
        try await writer.closed()

        // Each record's lag: from its hand-over to the writer to the first draw whose title
        // shows it or a later one (the shown job's records only).
        let arrivals = producer.arrivals(ofJob: 0)
        var lags: [Double] = []
        lags.reserveCapacity(arrivals.count)
        var next: Int64 = 1
        for shown in watcher.shown where shown.seq >= next {
            while next <= shown.seq, next <= Int64(arrivals.count) {
                lags.append(Double(shown.nanoseconds - arrivals[Int(next - 1)]) / 1e6)
                next += 1
            }
        }
        let lastShown = watcher.shown.last?.seq ?? 0
        lags.sort()
        var lines = [
            "produced \(producer.produced)",
            "produced_shown_job \(arrivals.count)",
            "shown \(lastShown)",
            "not_shown \(max(0, Int64(arrivals.count) - lastShown))",
            "feed_missed \(missed.withLock { $0 })",
            "lag_p50_ms \(percentile(lags, 0.5))",
            "lag_p99_ms \(percentile(lags, 0.99))",
            "lag_max_ms \(lags.last ?? 0)",
            "draws \(watcher.draws)",
            "cpu_load_seconds \(cpuLoad)",
            "cpu_idle_seconds \(cpuIdle)",
        ]
        for (key, value) in phases.withLock({ $0 }) { lines.append("\(key) \(value)") }
        for sample in memorySamples { lines.append("rss_kb_at_\(sample.seconds) \(sample.kilobytes)") }
        lines.append("rss_peak_kb \(peakMemoryMB() * 1024)")
        // The benchmark's own bookkeeping for the lag figures, inside those resident figures.
        lines.append("bench_arrays_kb \((arrivals.capacity * 8 + watcher.shown.capacity * 16) / 1024)")
        try lines.joined(separator: "\n").write(toFile: report, atomically: true, encoding: .utf8)
    }
}

/// Hands records to the writer at a steady rate from its own thread, every 2 ms what is
/// due, and notes when each one was handed over.
final class Producer: @unchecked Sendable {
    let writer: HistoryWriter
    let rate: Int
    let seconds: Int
    let jobs: Int
    /// When each record was handed over, by job (round robin).
    private var arrivals: [[Int64]]
    private(set) var produced = 0

    init(writer: HistoryWriter, rate: Int, seconds: Int, jobs: Int) {
        self.writer = writer
        self.rate = rate
        self.seconds = seconds
        self.jobs = jobs
        arrivals = Array(repeating: [], count: jobs)
    }

    func arrivals(ofJob index: Int) -> [Int64] { arrivals[index] }

    func run() async {
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            let thread = Thread { [self] in
                produce()
                done.resume()
            }
            thread.name = "bench-producer"
            thread.start()
        }
    }

    private func produce() {
        let total = rate * seconds
        // Only the shown job's arrivals are kept for every record: an hour at a high rate
        // would otherwise hold them all.
        arrivals[0].reserveCapacity(total / jobs + 1)
        let start = nowNanoseconds()
        var batch: [HistoryWrite] = []
        while produced < total {
            let due = min(total, Int(Double(nowNanoseconds() - start) / 1e9 * Double(rate)))
            if due > produced {
                batch.removeAll(keepingCapacity: true)
                let arrived = nowNanoseconds()
                for index in produced..<due {
                    let job = index % jobs
                    var record = CockpitFixtures.record(job: CockpitLiveChild.jobID(job), seq: Int64(index / jobs + 1))
                    record.seq = 0  // the writer numbers them
                    record.time = Date()
                    batch.append(.trace(record))
                    if job == 0 { arrivals[0].append(arrived) }
                }
                produced = due
                writer.submit(contentsOf: batch)
            }
            usleep(2_000)
        }
    }
}

/// This process's resident memory now, in KiB (`VmRSS` of /proc/self/status).
func residentKilobytes() -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") })
    else { return 0 }
    return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
}
