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

        // Worst cases: inputs built to make a careless scanner quadratic.
        var worst = 0.0
        for workload in RedactorWorkloads.pathological {
            let start = now()
            sink &+= redactor.redact(workload).utf8.count
            worst = max(worst, (now() - start) / Double(workload.utf8.count) * 1e9)
        }
        print("redact, pathological inputs (~30 KB each): worst \(format(worst, 1)) ns/byte (linear; checksum \(sink % 997))")
    }
}
