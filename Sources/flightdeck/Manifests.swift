import ArgumentParser

extension Flightdeck {
    struct Manifests: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the manifests Flightdeck deploys (YAML, or JSON with -o json).")

        func run() throws {
            throw CLIFailure.notBuiltYet("flightdeck manifests", "the manifest builders")
        }
    }
}
