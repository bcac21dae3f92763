import ArgumentParser

extension Flightdeck {
    struct Sim: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the embedded simulated k3s cluster headless and write a kubeconfig for kubectl.")

        func run() throws {
            throw CLIFailure.notBuiltYet("flightdeck sim", "the simulated cluster")
        }
    }
}
