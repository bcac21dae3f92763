import FlightdeckCore
import FlightdeckTestSupport
import Foundation

/// Sanitise + redact alone, and the whole parse, per line.
struct SanitizeBenchmark {
    let lines: Int

    func run() throws {
        let input = corpus(lines).map { String(decoding: $0, as: UTF8.self) }
        let redactor = SecretRedactor()
        var sink = 0
        for line in input.prefix(10_000) { sink &+= TerminalSanitizer.sanitize(redactor.redact(line)).utf8.count }

        var start = now()
        for line in input { sink &+= TerminalSanitizer.sanitize(redactor.redact(line)).utf8.count }
        let cleanNs = (now() - start) / Double(input.count) * 1e9

        let parser = TraceLineParser()
        let bytes = input.map { Array($0.utf8) }
        let received = Date()
        start = now()
        for (index, line) in bytes.enumerated() {
            sink &+= parser.parse(line, jobID: "bench", sourceID: "b:\(index)", receivedAt: received).text.utf8.count
        }
        let parseNs = (now() - start) / Double(input.count) * 1e9
        print("sanitise+redact  \(format(cleanNs)) ns/line   parse+sanitise+redact  \(format(parseNs)) ns/line   (\(input.count) lines, checksum \(sink % 997))")

        // Worst cases: inputs built to make a careless scanner quadratic, at two sizes. Linear
        // means the cost per byte stays put when the input is 10 times as long; a quadratic
        // scanner's grows tenfold.
        func perByte(_ workload: String) -> Double {
            var best = Double.infinity
            for _ in 0..<3 {
                let start = now()
                sink &+= redactor.redact(workload).utf8.count
                best = min(best, (now() - start) / Double(workload.utf8.count) * 1e9)
            }
            return best
        }
        let small = RedactorWorkloads.pathological(scale: 1)
        let large = RedactorWorkloads.pathological(scale: 10)
        var worstSmall = 0.0, worstLarge = 0.0, worstGrowth = 0.0
        for (short, long) in zip(small, large) {
            let a = perByte(short), b = perByte(long)
            worstSmall = max(worstSmall, a)
            worstLarge = max(worstLarge, b)
            worstGrowth = max(worstGrowth, b / a)
            print("  redact \(short.prefix(12).debugDescription)…: \(format(a, 1)) ns/byte at \(short.utf8.count) bytes, "
                + "\(format(b, 1)) at \(long.utf8.count) (\(format(b / a, 2))x)")
        }
        let verdict = worstGrowth < 2 ? "linear" : "NOT linear"
        print("redact, pathological inputs: worst \(format(worstSmall, 1)) ns/byte at ~30 KB, \(format(worstLarge, 1)) ns/byte "
            + "at ~300 KB; per-byte cost grows at most \(format(worstGrowth, 2))x for 10x the input: \(verdict) "
            + "(checksum \(sink % 997))")
    }
}
