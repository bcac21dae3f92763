// flightdeck-bench: the figures docs/benchmarks.md records. Release builds only:
//   swift run -c release flightdeck-bench [all|ingest|scrollback|sanitize] [--lines N] [--trace-lines N]
//   swift run -c release flightdeck-bench watch-fanin [--seconds S] [--rate R] [--high-rate R] [--objects N]
//   swift run -c release flightdeck-bench log-drain [--lines N] [--line-bytes B] [--rounds N]
//   swift run -c release flightdeck-bench log-drain-stall [--lines N] [--line-bytes B] [--seconds S]
//   swift run -c release flightdeck-bench trace-nats [--records N] [--rounds N]
//   swift run -c release flightdeck-bench trace-pods [--lines N] [--line-bytes B]
//   swift run -c release flightdeck-bench render [--iterations N]
//   swift run -c release flightdeck-bench cockpit-live [--rate R] [--seconds S] [--idle S] [--started-ago S]
//                                                      [--jobs N] [--memory-every S]
//   swift run -c release flightdeck-bench cockpit-start [--jobs N] [--records N] [--rounds N] [--idle S]
//                                                       [--shown-jobs N] [--history PATH]
//   swift run -c release flightdeck-bench sse-fanout [--clients 100,1000] [--rate R (0: as fast as possible)]
//                                                    [--seconds S] [--threads N] [--port P]
//   swift run -c release flightdeck-bench otlp-ingest [--requests N] [--spans N] [--connections N] [--rounds N] [--port P]
// (`all` is issue 2's three; the cluster benchmarks run when named.)
import Foundation

/// Command-line options: `--name N` pairs, removed from `arguments` as they are read.
struct BenchOptions {
    var arguments: [String]

    mutating func take(_ name: String, default value: Int) -> Int {
        guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count,
              let number = Int(arguments[index + 1])
        else { return value }
        arguments.removeSubrange(index...(index + 1))
        return number
    }

    mutating func take(_ name: String, default value: String) -> String {
        guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return value }
        defer { arguments.removeSubrange(index...(index + 1)) }
        return arguments[index + 1]
    }
}

var options = BenchOptions(arguments: Array(CommandLine.arguments.dropFirst()))
let lines = options.take("--lines", default: 1_000_000)
let traceLines = options.take("--trace-lines", default: 10_000_000)
let seconds = options.take("--seconds", default: 10)
let rate = options.take("--rate", default: 5_000)
let highRate = options.take("--high-rate", default: 20_000)
let objects = options.take("--objects", default: 500)
let lineBytes = options.take("--line-bytes", default: 130)
let rounds = options.take("--rounds", default: 3)
let renderIterations = options.take("--iterations", default: 2_000)
// drain-client (the child process log-drain runs)
let kubeconfig = options.take("--kubeconfig", default: "")
let namespace = options.take("--namespace", default: "agents")
let pod = options.take("--pod", default: "")
let mode = options.take("--mode", default: "logs")
let records = options.take("--records", default: 1_000_000)
let url = options.take("--url", default: "")
let durable = options.take("--durable", default: "bench")
let database = options.take("--db", default: "")
let report = options.take("--report", default: "")
let idleSeconds = options.take("--idle", default: 10)
// cockpit-live: how long before the bench the job started (its age then ticks in whole
// minutes or hours, not seconds, so an idle tick changes no text).
let startedAgo = options.take("--started-ago", default: 0)
// cockpit-live: how many running jobs share the records, and how often memory is noted.
let liveJobs = options.take("--jobs", default: 1)
let memoryEvery = options.take("--memory-every", default: 60)
// sse-fanout, otlp-ingest (issue 17): the `flightdeck serve` child's port, the clients.
let servePort = options.take("--port", default: 18_077)
let clientCounts = options.take("--clients", default: "100,1000").split(separator: ",").compactMap { Int($0) }
let readerThreads = options.take("--threads", default: 4)
let otlpRequests = options.take("--requests", default: 300)
let otlpSpans = options.take("--spans", default: 100)
let otlpConnections = options.take("--connections", default: 1)
let which = options.arguments.first ?? "all"
let workDirectory = URL(fileURLWithPath: ProcessInfo.processInfo.environment["FLIGHTDECK_BENCH_DIR"] ?? "bench-out").path
let children: Set<String> = ["drain-client", "stall-client", "trace-publish", "trace-consume", "cockpit-child",
                              "cockpit-start-child"]
let home = options.take("--home", default: "")
let shownJobs = options.take("--shown-jobs", default: 0)
let historyFile = options.take("--history", default: "")
if !children.contains(which) { try? FileManager.default.createDirectory(atPath: workDirectory, withIntermediateDirectories: true) }

#if DEBUG
if !children.contains(which) { print("note: debug build; run with `swift run -c release flightdeck-bench` for real figures") }
#endif

do {
    if which == "all" || which == "sanitize" { try SanitizeBenchmark(lines: lines).run() }
    if which == "all" || which == "ingest" { try IngestBenchmark(lines: lines, directory: workDirectory).run() }
    if which == "all" || which == "scrollback" {
        try ScrollbackBenchmark(traceLines: traceLines, directory: workDirectory).run()
    }
    if which == "watch-fanin" {
        try await WatchFanInBenchmark(seconds: Double(seconds), rate: rate, highRate: highRate, objects: objects,
            directory: workDirectory).run()
    }
    if which == "log-drain" {
        try await LogDrainBenchmark(lines: lines, lineBytes: lineBytes, rounds: rounds, directory: workDirectory).run()
    }
    if which == "log-drain-stall" {
        try await LogDrainStallBenchmark(lines: lines, lineBytes: lineBytes,
            stall: CommandLine.arguments.contains("--seconds") ? seconds : 10, directory: workDirectory).run()
    }
    if which == "trace-nats" {
        try await TraceNATSBenchmark(records: records, rounds: rounds, directory: workDirectory).run()
    }
    if which == "trace-pods" {
        try await TracePodLogBenchmark(lines: lines, lineBytes: lineBytes, directory: workDirectory).run()
    }
    if which == "trace-publish" { try await TracePublisher(url: url, records: records).run() }
    if which == "trace-consume" {
        try await TraceConsumer(url: url, records: records, mode: mode, durable: durable, database: database).run()
    }
    if which == "render" { RenderBenchmark(iterations: renderIterations).run() }
    if which == "cockpit-live" {
        try CockpitLiveBenchmark(rate: CommandLine.arguments.contains("--rate") ? rate : 10_000, seconds: seconds, idleSeconds: idleSeconds,
            startedAgo: startedAgo, jobs: liveJobs, memoryEvery: memoryEvery, directory: workDirectory).run()
    }
    if which == "cockpit-child" {
        try await CockpitLiveChild(database: database, report: report, rate: rate, seconds: seconds, idleSeconds: idleSeconds,
            startedAgo: startedAgo, jobs: liveJobs, memoryEvery: memoryEvery).run()
    }
    if which == "cockpit-start" {
        let jobs = CommandLine.arguments.contains("--jobs") ? liveJobs : 10_000
        try await CockpitStartBenchmark(jobs: jobs, records: CommandLine.arguments.contains("--records") ? records : 10_000_000,
            rounds: rounds, idleSeconds: CommandLine.arguments.contains("--idle") ? idleSeconds : 20,
            shownJobs: shownJobs > 0 ? shownJobs : jobs, historyFile: historyFile.isEmpty ? nil : historyFile,
            directory: workDirectory).run()
    }
    if which == "cockpit-start-child" {
        try await CockpitStartChild(database: database, kubeconfig: kubeconfig, home: home, expectedJobs: liveJobs,
            idleSeconds: idleSeconds, report: report).run()
    }
    if which == "sse-fanout" {
        try SSEFanOutBenchmark(clientCounts: clientCounts, rate: CommandLine.arguments.contains("--rate") ? rate : 200,
            seconds: seconds, readerThreads: readerThreads, port: servePort, directory: workDirectory).run()
    }
    if which == "otlp-ingest" {
        try OTLPIngestBenchmark(requests: otlpRequests, spans: otlpSpans, connections: otlpConnections,
            rounds: CommandLine.arguments.contains("--rounds") ? rounds : 2, port: servePort, directory: workDirectory).run()
    }
    if which == "stall-client" {
        try await StalledIngestClient(kubeconfig: kubeconfig, namespace: namespace, jobName: pod, jobID: "stallbench",
            lines: lines, database: database, stall: seconds).run()
    }
    if which == "drain-client" {
        try await DrainClient(kubeconfig: kubeconfig, namespace: namespace, pod: pod, mode: mode).run()
    }
} catch {
    FileHandle.standardError.write(Data("flightdeck-bench: \(error)\n".utf8))
    exit(1)
}
