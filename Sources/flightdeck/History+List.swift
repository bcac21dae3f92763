import ArgumentParser
import FlightdeckApp
import FlightdeckCore
import Foundation
import HistoryStore

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
        var output: OutputFormat = .table

        func run() throws {
            var query = JobQuery(namespace: namespace, text: grep, limit: limit)
            if let status {
                for name in status.split(separator: ",") {
                    let trimmed = name.trimmingCharacters(in: .whitespaces)
                    guard let value = JobStatus(rawValue: trimmed) else {
                        throw OperatorError("--status: unknown state '\(trimmed)' (expected one of \(JobStatus.allCases.map(\.rawValue).joined(separator: ", ")))")
                    }
                    query.statuses.insert(value)
                }
            }
            let store = try history.open(readOnly: true)
            let jobs = try store.jobs(query)
            switch output {
            case .json:
                for job in jobs { print(try JSONLines.encode(job)) }
            case .table:
                var rows = [["JOB", "STATUS", "PHASE", "RECORDS", "AGE", "NAME"]]
                let now = Date()
                for job in jobs {
                    rows.append([
                        job.id, job.status.rawValue, job.phase?.rawValue ?? "-", String(try store.traceCount(jobID: job.id)),
                        job.createdAt.map { DurationText.short(now.timeIntervalSince($0)) } ?? "-", job.name,
                    ])
                }
                print(TextTable.render(rows), terminator: "")
            }
        }
    }
}

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table
    case json
}
