import ArgumentParser

extension Flightdeck {
    struct Demo: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Open the cockpit on an embedded simulated k3s cluster with simulated agents.")

        func run() throws {
            throw CLIFailure.notBuiltYet("flightdeck demo", "the simulated cluster and the cockpit")
        }
    }
}
