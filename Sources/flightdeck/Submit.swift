import ArgumentParser

extension Flightdeck {
    struct Submit: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Submit a task: create its Job, workspace PVC and secret, then start it.")

        func run() throws {
            throw CLIFailure.notBuiltYet("flightdeck submit", "the orchestrator")
        }
    }
}
