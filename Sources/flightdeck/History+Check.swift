import ArgumentParser
import FlightdeckApp

extension Flightdeck.History {
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify the history database (SQLite integrity check).")

        @OptionGroup var history: HistoryOptions

        func run() throws {
            print(try HistoryCheck.run(try history.open(readOnly: true)))
        }
    }
}
