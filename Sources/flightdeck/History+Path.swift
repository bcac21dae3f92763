import ArgumentParser

extension Flightdeck.History {
    struct Path: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print where the history database is.")

        @OptionGroup var history: HistoryOptions

        func run() throws {
            print(history.resolvedPath)
        }
    }
}
