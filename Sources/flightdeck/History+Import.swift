import ArgumentParser
import FlightdeckApp
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
            let input = try HistoryImport.input(file)
            let store = try history.open()
            let importer = HistoryImport(jobID: job, sourceName: source ?? HistoryImport.defaultSourceName(file: file),
                limits: .init(maxRows: batchRows, maxDelay: Double(batchMs) / 1000, capacity: batchRows * 4))
            print(try importer.run(input, into: store).summary(jobID: job))
        }
    }
}
