import ArgumentParser
import FlightdeckApp
import FlightdeckCore
import Foundation
import HistoryStore

extension Flightdeck.History {
    /// Brings a saved agent log (one trace line per line, JSON or plain) into history, e.g. a
    /// run made outside the cluster. Idempotent: importing the same file twice stores it once.
    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import an agent's trace file (JSON lines or plain text) into history.")

        @OptionGroup var history: HistoryOptions

        @Option(name: .long, help: "The job id to file the records under.")
        var job: String

        @Option(name: .long, help: "Names this source for de-duplication (default: the file name).")
        var source: String?

        @Option(name: .long, help: .hidden)
        var batchRows: Int = HistoryWriter.Limits().maxRows

        @Option(name: .long, help: .hidden)
        var batchMs: Int = 50

        @Argument(help: "The file to read, or - for standard input.")
        var file: String

        func validate() throws {
            guard !job.isEmpty, job.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) else {
                throw ValidationError("--job must be a printable ASCII id without spaces")
            }
        }

        func run() throws {
            let input: FileHandle
            if file == "-" {
                input = .standardInput
            } else {
                guard let handle = FileHandle(forReadingAtPath: file) else {
                    throw OperatorError("cannot read \(file): no such file or permission denied")
                }
                input = handle
            }
            let store = try history.open()
            let writer = HistoryWriter(
                store: store,
                limits: .init(maxRows: batchRows, maxDelay: Double(batchMs) / 1000, capacity: batchRows * 4))
            if try store.job(id: job) == nil {
                // Not a cluster Job: history only, which is what `deleted` means.
                try store.write([.job(AgentJob(id: job, name: job, namespace: "", createdAt: Date(), status: .deleted))])
            }
            let parser = TraceLineParser()
            let sourceName = source ?? (file == "-" ? "stdin" : (file as NSString).lastPathComponent)
            var lineNumber = 0
            let received = Date()
            var reader = LineReader(handle: input)
            while let line = try reader.next() {
                lineNumber += 1
                let record = parser.parse(line, jobID: job, sourceID: "\(sourceName):\(lineNumber)", receivedAt: received)
                writer.submit(.trace(record))
            }
            try writer.close()
            let count = try store.traceCount(jobID: job)
            print("imported \(lineNumber) lines into job \(job) (\(count) records in history)")
        }
    }
}
