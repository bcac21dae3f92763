import ArgumentParser
import FlightdeckApp
import HistoryStore

extension Flightdeck.History {
    struct Prune: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Forget finished jobs: older than N days and/or beyond the last N jobs.")

        @OptionGroup var history: HistoryOptions

        @Option(name: .long, help: "Forget finished jobs older than this many days.")
        var olderThanDays: Double?

        @Option(name: .long, help: "Keep only this many most recent jobs (running jobs are always kept).")
        var keepLast: Int?

        func validate() throws {
            if olderThanDays == nil, keepLast == nil {
                throw ValidationError("say what to prune: --older-than-days N and/or --keep-last N")
            }
            if let olderThanDays, olderThanDays < 0 { throw ValidationError("--older-than-days must be ≥ 0") }
            if let keepLast, keepLast < 0 { throw ValidationError("--keep-last must be ≥ 0") }
        }

        func run() throws {
            let store = try history.open()
            print(try HistoryPrune.run(RetentionPolicy(maxAgeDays: olderThanDays, keepLast: keepLast), store: store))
        }
    }
}
