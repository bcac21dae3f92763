import ArgumentParser

extension Flightdeck {
    struct Jobs: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the agent Jobs in the cluster.")

        func run() throws {
            throw CLIFailure.notBuiltYet("flightdeck jobs", "the Kubernetes client")
        }
    }
}
