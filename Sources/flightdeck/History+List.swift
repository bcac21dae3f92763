import ArgumentParser
import FlightdeckApp
import Foundation

extension Flightdeck.History {
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "jobs", abstract: "List the jobs in history, newest first.")

        @OptionGroup var history: HistoryOptions

        @Option(name: .long, help: "Only jobs in these states (comma-separated: pending,suspended,running,succeeded,failed,deleted).")
        var status: String?

        @Option(name: [.short, .long], help: "Only jobs in this namespace.")
        var namespace: String?

        @Option(name: .long, help: "Only jobs whose name, id, task or image contains this text.")
        var grep: String?

        @Option(name: .long, help: "At most this many jobs.")
        var limit: Int = 50

        @Option(name: .shortAndLong, help: "Output format: table or json.")
        var output: ListFormat = .table

        func run() throws {
            let query = try HistoryJobList.query(statuses: status, namespace: namespace, text: grep, limit: limit)
            let store = try history.open(readOnly: true)
            let entries = try HistoryJobList.entries(query, in: store)
            print(try HistoryJobList.render(entries, format: output, now: Date()), terminator: "")
        }
    }
}
