import ArgumentParser

extension Flightdeck {
    /// `flightdeck manifests task|install`: what Flightdeck would create, printed for review or
    /// for `kubectl apply -f -`.
    struct Manifests: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the manifests Flightdeck deploys (YAML, or JSON with -o json).",
            subcommands: [TaskManifestsCommand.self, InstallManifestsCommand.self])
    }
}
