import FlightdeckCore
import Foundation
import HistoryStore
import Synchronization

/// Issue 17: one running job's trace followed live by many Server-Sent Events clients of the
/// real `flightdeck serve` (a child process over a history file, as deployed beside a
/// `flightdeck record` unit). This process writes the job's records into that file with a
/// `HistoryWriter` at `rate` records/s for `seconds` (or as fast as it can, `rate` 0) and
/// stamps each seq when its commit returns; for each client count, every client follows
/// `GET /api/stream/{job}` from the start on threads of their own and stamps each `id:` on
/// receipt. The server learns of another process's commits by polling the file
/// (`LiveFeed.followOtherWriters`, every 250 ms while busy), so the lag includes that poll.
struct SSEFanOutBenchmark {
    let clientCounts: [Int]
    let rate: Int
    let seconds: Int
    let readerThreads: Int
    let port: Int
    let directory: String

    static let job = "ssebench"

    func run() throws {
        let total = rate > 0 ? rate * seconds : 20_000 * seconds
        print("sse-fanout: \(grouped(Double(total))) records of one running job, "
            + (rate > 0 ? "\(rate) records/s for \(seconds) s" : "as fast as the writer commits")
            + ", written by this process into the history file `flightdeck serve` (a child) follows; "
            + "clients read on \(readerThreads) threads of this process")
        let input = corpus(total)
        for clients in clientCounts {
            try runOnce(clients: clients, input: input)
        }
    }

    private func runOnce(clients: Int, input: [[UInt8]]) throws {
        let path = directory + "/sse-fanout-\(clients).db"
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        let store = try HistoryStore(path: path)
        let started = Date()
        _ = try store.write([.job(AgentJob(id: Self.job, name: Self.job, namespace: "agents", createdAt: started,
            startedAt: started, status: .running))])
        let server = try ServeChild(history: path, port: port, directory: directory)
        defer { server.stop() }
        let baseline = server.memory()
        let last = Int64(input.count)

        let followers = SSEFollowers(port: port, job: Self.job, clients: clients, threads: readerThreads, last: last)
        guard followers.wait(timeout: 60, until: { followers.subscribed.load(ordering: .relaxed) == clients }) else {
            let got = followers.stop()
            throw BenchError("only \(followers.subscribed.load(ordering: .relaxed)) of \(clients) streams opened; "
                + (got.compactMap(\.failure).first ?? "") + " " + server.stderr)
        }
        let connected = server.memory()
        let cpuBefore = server.cpuSeconds()
        let ownCPUBefore = cpuSeconds()

        // The writer: stamps each seq when the commit that stored it returns.
        let committedAt = CommitStamps(count: input.count + 1)
        let writer = HistoryWriter(store: store) { outcome in
            guard case let .committed(commit) = outcome else { return }
            let at = nowNanoseconds()
            committedAt.stamps.withLock { stamps in
                for record in commit.records where record.seq >= 1 && record.seq < Int64(stamps.count) {
                    stamps[Int(record.seq)] = at
                }
            }
        }
        let parser = TraceLineParser()
        var peakRSS = connected.residentMB
        let writeStart = now()
        var nextSample = writeStart + 0.25
        for (index, line) in input.enumerated() {
            if rate > 0 {
                let due = writeStart + Double(index) / Double(rate)
                let wait = due - now()
                if wait > 0 { Thread.sleep(forTimeInterval: wait) }
            }
            let record = parser.parse(line, jobID: Self.job, sourceID: "bench:\(index + 1)", receivedAt: Date())
            writer.submit(.trace(record))
            if now() >= nextSample {
                peakRSS = max(peakRSS, server.memory().residentMB)
                nextSample += 0.25
            }
        }
        try writer.close()
        let writeEnd = now()
        let delivered = followers.wait(timeout: 120) {
            peakRSS = max(peakRSS, server.memory().residentMB)
            return followers.complete.load(ordering: .relaxed) == clients
        }
        let deliveredEnd = now()
        let memory = server.memory()
        let cpu = server.cpuSeconds() - cpuBefore
        let ownCPU = cpuSeconds() - ownCPUBefore
        let results = followers.stop()
        let stamps = committedAt.stamps.withLock { $0 }
        guard stamps[1...].allSatisfy({ $0 != 0 }) else { throw BenchError("a commit carried no seq for some record") }

        var lags: [Double] = []
        lags.reserveCapacity(clients * input.count)
        for result in results {
            for seq in 1...Int(last) where result.receivedAt.count > seq && result.receivedAt[seq] != 0 {
                lags.append(Double(result.receivedAt[seq] - stamps[seq]) / 1e6)
            }
        }
        lags.sort()
        let exact = results.filter { $0.exactlyOnce(through: last) }.count
        let events = results.reduce(0) { $0 + $1.events }
        let window = deliveredEnd - writeStart
        print("  \(clients) clients: \(delivered ? "all delivered" : "NOT all delivered within 120 s") "
            + "\(format(deliveredEnd - writeEnd, 2)) s after the last commit; wrote \(grouped(Double(last))) records in "
            + "\(format(writeEnd - writeStart, 2)) s (\(grouped(Double(last) / (writeEnd - writeStart))) records/s committed)")
        print("    delivered \(grouped(Double(events))) events: \(grouped(Double(events) / window)) records/s in total, "
            + "\(format(Double(events) / window / Double(clients), 1)) per client (over \(format(window, 2)) s from the first write to the last receipt)")
        print("    lag commit -> client receipt: p50 \(format(percentile(lags, 0.50), 1)) ms, p99 \(format(percentile(lags, 0.99), 1)) ms, "
            + "max \(format(lags.last ?? .nan, 1)) ms (\(grouped(Double(lags.count))) receipts)")
        print("    every record exactly once, in order: \(exact) of \(clients) clients"
            + "; \(results.reduce(0) { $0 + $1.duplicates }) duplicates and \(results.reduce(0) { $0 + $1.outOfOrder }) out of order in all"
            + (exact == clients ? "" : "; first problem: " + (results.first { !$0.exactlyOnce(through: last) }
                .map { "failure \($0.failure ?? "none"), \($0.events) events, \($0.duplicates) duplicates, \($0.outOfOrder) out of order" } ?? "")))
        print("    server: VmHWM \(format(memory.peakMB, 1)) MB (idle before clients \(format(baseline.residentMB, 1)) MB, "
            + "\(format(connected.residentMB, 1)) MB with the streams open, sampled peak VmRSS \(format(peakRSS, 1)) MB); "
            + "CPU \(format(cpu, 2)) s over the \(format(window, 1)) s (this process, writer and clients: \(format(ownCPU, 2)) s)")
    }
}

/// When each seq's commit returned (monotonic ns; 0: not yet), written from the writer's thread.
private final class CommitStamps: Sendable {
    let stamps: Mutex<[Int64]>

    init(count: Int) { stamps = Mutex([Int64](repeating: 0, count: count)) }
}
