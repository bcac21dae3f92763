import ArgumentParser

extension Flightdeck {
    struct Logs: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a job's thought trace from history, and follow it live.")

        func run() throws {
            throw CLIFailure.notBuiltYet("flightdeck logs", "the trace pipeline")
        }
    }
}
