import ArgumentParser
import FlightdeckApp
import HistoryStore

extension Flightdeck.History {
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify the history database (SQLite integrity check).")

        @OptionGroup var history: HistoryOptions

        func run() throws {
            let store = try history.open(readOnly: true)
            let findings = try store.integrityCheck()
            guard findings == ["ok"] else {
                throw OperatorError("history database \(store.path) failed its integrity check: \(findings.prefix(3).joined(separator: "; "))")
            }
            print("ok: \(store.path)")
        }
    }
}
