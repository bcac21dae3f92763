import ArgumentParser

extension Flightdeck {
    /// The local history: what Flightdeck remembers of every run, after the cluster forgot it.
    struct History: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Inspect and maintain the local history database.",
            subcommands: [Path.self, List.self, Import.self, Prune.self, Check.self],
            defaultSubcommand: List.self)
    }
}
