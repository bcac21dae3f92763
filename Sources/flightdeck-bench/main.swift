// flightdeck-bench: the figures docs/benchmarks.md records. Release builds only:
//   swift run -c release flightdeck-bench [all|ingest|scrollback|sanitize] [--lines N] [--trace-lines N]
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
}

var options = BenchOptions(arguments: Array(CommandLine.arguments.dropFirst()))
let lines = options.take("--lines", default: 1_000_000)
let traceLines = options.take("--trace-lines", default: 10_000_000)
let which = options.arguments.first ?? "all"
let workDirectory = ProcessInfo.processInfo.environment["FLIGHTDECK_BENCH_DIR"] ?? "bench-out"
try? FileManager.default.createDirectory(atPath: workDirectory, withIntermediateDirectories: true)

#if DEBUG
print("note: debug build; run with `swift run -c release flightdeck-bench` for real figures")
#endif

do {
    if which == "all" || which == "sanitize" { try SanitizeBenchmark(lines: lines).run() }
    if which == "all" || which == "ingest" { try IngestBenchmark(lines: lines, directory: workDirectory).run() }
    if which == "all" || which == "scrollback" {
        try ScrollbackBenchmark(traceLines: traceLines, directory: workDirectory).run()
    }
} catch {
    FileHandle.standardError.write(Data("flightdeck-bench: \(error)\n".utf8))
    exit(1)
}
