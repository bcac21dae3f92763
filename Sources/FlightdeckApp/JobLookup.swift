import FlightdeckCore
import HistoryStore

/// Finds the job an operator names — a Job's name or job id as `flightdeck history jobs`
/// lists them, or a unique prefix of either.
public enum JobLookup {
    /// The job by exact id or name, else by a unique prefix; `nil` when none matches, one
    /// line naming a few when several do. Reads synchronously: async callers run it in
    /// `store.reading`.
    public static func find(_ text: String, in store: HistoryStore) throws -> AgentJob? {
        if let job = try store.job(id: text) { return job }
        let jobs = try store.jobs(JobQuery(limit: 100_000))
        if let job = jobs.first(where: { $0.name == text }) { return job }
        let matches = jobs.filter { $0.name.hasPrefix(text) || $0.id.hasPrefix(text) }
        if matches.count > 1 {
            throw OperatorError("\(TerminalText.line(text)) matches \(matches.count) jobs: \(matches.prefix(5).map { TerminalText.line($0.name) }.joined(separator: ", "))…; say more")
        }
        return matches.first
    }
}
