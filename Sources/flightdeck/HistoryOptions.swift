import ArgumentParser
import FlightdeckApp
import Foundation
import HistoryStore

/// Where the history database is, for every subcommand that reads or writes it.
struct HistoryOptions: ParsableArguments {
    @Option(
        name: .customLong("history-db"),
        help: ArgumentHelp(
            "The history database (default: $FLIGHTDECK_HISTORY_DB, else $XDG_DATA_HOME/flightdeck/history.db).",
            valueName: "path"))
    var path: String?

    var resolvedPath: String {
        HistoryLocation.resolve(flag: path, environment: ProcessInfo.processInfo.environment)
    }

    func open(readOnly: Bool = false) throws -> HistoryStore {
        try HistoryStore(path: resolvedPath, options: .init(readOnly: readOnly))
    }

    /// The same, for async commands: opened off the cooperative pool.
    func opened(readOnly: Bool = false) async throws -> HistoryStore {
        try await HistoryStore.opening(path: resolvedPath, options: .init(readOnly: readOnly))
    }
}
