import ArgumentParser

extension Flightdeck {
    struct Install: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print, or apply with --apply, the cluster bootstrap (namespace, RBAC, proxy, NATS).")

        func run() throws {
            throw CLIFailure.notBuiltYet("flightdeck install", "the cluster bootstrap")
        }
    }
}
