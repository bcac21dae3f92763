import ArgumentParser

extension Flightdeck {
    struct Cockpit: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Open the full-screen cockpit on the current cluster (the default).")

        func run() throws {
            throw CLIFailure.notBuiltYet("flightdeck", "the cockpit UI")
        }
    }
}
