import FlightdeckCore
import Foundation
import HistoryStore

/// `flightdeck history jobs`: every run history keeps, newest first, with how many trace
/// records each holds — readable long after the cluster forgot the Job.
public enum HistoryJobList {
    /// One listed job and the number of its trace records.
    public struct Entry: Sendable, Hashable {
        public var job: AgentJob
        public var records: Int64

        public init(job: AgentJob, records: Int64) {
            self.job = job
            self.records = records
        }
    }

    /// The query the filters ask for; `statuses` is a comma-separated list of job states,
    /// and a state that does not exist is a one-line failure naming those that do.
    public static func query(statuses: String?, namespace: String?, text: String?, limit: Int) throws -> JobQuery {
        var query = JobQuery(namespace: namespace, text: text, limit: limit)
        for name in statuses?.split(separator: ",") ?? [] {
            let trimmed = name.trimmingCharacters(in: .whitespaces)
            guard let value = JobStatus(rawValue: trimmed) else {
                throw OperatorError("--status: unknown state '\(TerminalText.line(trimmed))' (expected one of \(JobStatus.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            query.statuses.insert(value)
        }
        return query
    }

    /// The jobs `query` finds, each with its record count.
    public static func entries(_ query: JobQuery, in store: HistoryStore) throws -> [Entry] {
        try store.jobs(query).map { Entry(job: $0, records: try store.traceCount(jobID: $0.id)) }
    }

    /// The table's rows, the header first: job id, status, phase, records, age at `now`, name.
    public static func rows(_ entries: [Entry], now: Date) -> [[String]] {
        [["JOB", "STATUS", "PHASE", "RECORDS", "AGE", "NAME"]] + entries.map { entry in
            let job = entry.job
            return [
                job.id, job.status.rawValue, job.phase?.rawValue ?? "-", String(entry.records),
                job.createdAt.map { DurationText.short(now.timeIntervalSince($0)) } ?? "-", job.name,
            ]
        }
    }

    /// The listing as printed: a terminal-safe table, or one JSON object per job.
    public static func render(_ entries: [Entry], format: ListFormat, now: Date) throws -> String {
        switch format {
        case .table: TextTable.render(rows(entries, now: now))
        case .json: try entries.map { try JSONLines.encode($0.job) + "\n" }.joined()
        }
    }
}
