import AgentManifests
import ArgumentParser
import FlightdeckApp
import FlightdeckCore
import Foundation
import HistoryStore
import KubeClient
import NATSClient
import Orchestrator

extension Flightdeck {
    /// A job's thought trace from history — readable after the cluster deleted the Job —
    /// and, with `-f`, live: it keeps the history itself meanwhile (trace from NATS when
    /// configured, else the pods' logs), so it needs no cockpit running.
    struct Logs: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a job's thought trace from history, and follow it live.",
            discussion: """
                JOB is a Job name or job id from `flightdeck history jobs` (a unique prefix will do).
                With -f it follows until the job has finished and gone quiet, or until Ctrl-C.
                """)

        @OptionGroup var history: HistoryOptions
        @OptionGroup var cluster: ClusterOptions
        @OptionGroup var settings: SettingsOptions

        @Argument(help: "The Job's name or job id.") var job: String
        @Flag(name: [.short, .long], help: "Keep printing new records as they arrive.") var follow = false
        @Option(help: "Only records since this time: a duration (90s, 15m, 2h, 3d) or an RFC 3339 time.")
        var since: String?
        @Option(help: "Only these kinds (comma-separated: thought,action,observation,message,error).")
        var kind: String?
        @Option(name: .shortAndLong, help: "Output format: text or json (one record per line).")
        var output: LogFormat = .text

        enum LogFormat: String, ExpressibleByArgument, CaseIterable {
            case text
            case json
        }

        func run() async throws {
            let filter = try RecordFilter(since: since, kinds: kind, now: Date())
            let printer = RecordPrinter(format: output, filter: filter)
            if !follow {
                let store = try history.open(readOnly: true)
                let found = try Self.find(job, in: store)
                guard let found else { throw OperatorError("history has no job \(TerminalText.line(job)) (see `flightdeck history jobs`)") }
                _ = try printer.print(store: store, jobID: found.id, after: 0)
                return
            }
            try await followLive(printer: printer)
        }

        private func followLive(printer: RecordPrinter) async throws {
            let store = try history.open()
            let connection = try cluster.connection()
            let api = try ClusterSync.api(connection)
            let config = try settings.load(namespace: connection.namespace)
            let nats = try SettingsOptions.natsOptions(config.settings, name: "flightdeck logs")
            let known = try Self.find(job, in: store)
            let keeper = HistoryKeeper(store: store, api: api, options: .init(
                namespace: connection.namespace, context: connection.contextName, nats: nats,
                durableName: NATSTraceIngestor.durableName(host: ProcessInfo.processInfo.hostName, historyPath: store.path),
                trace: config.trace, jobName: known?.name ?? job, readOnly: true))
            let keeping = Task { await keeper.run() }
            let job = self.job
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await Signals.waitForTermination() }
                group.addTask {
                    // A tick: a finished job's quiet spell ends the follow even when nothing is written.
                    while !Task.isCancelled {
                        try? await Task.sleep(for: .milliseconds(250))
                        keeper.feed.publish(HistoryCommit(jobsChanged: [""]))
                    }
                }
                group.addTask {
                    var jobID = known?.id
                    var printed: Int64 = 0
                    var quietSince = ContinuousClock.now
                    // Reads and prints off the cooperative pool (the history's keeper runs on it).
                    for await _ in keeper.feed.updates() {
                        if jobID == nil { jobID = try? await store.reading { try Self.find(job, in: $0)?.id } }
                        guard let jobID else { continue }
                        let after = printed
                        let last = (try? await store.reading { try printer.print(store: $0, jobID: jobID, after: after) }) ?? printed
                        if last > printed {
                            printed = last
                            quietSince = .now
                        }
                        let finished = (try? await store.reading { try $0.job(id: jobID) })??.status.isFinished ?? false
                        if finished, ContinuousClock.now - quietSince > .seconds(3) { return }
                    }
                }
                await group.next()
                group.cancelAll()
            }
            keeping.cancel()
            await keeping.value
            try? await keeper.closed()
        }

        /// A job by exact name or id, else by a unique prefix of either.
        static func find(_ text: String, in store: HistoryStore) throws -> AgentJob? {
            if let job = try store.job(id: text) { return job }
            let jobs = try store.jobs(JobQuery(limit: 100_000))
            if let job = jobs.first(where: { $0.name == text }) { return job }
            let matches = jobs.filter { $0.name.hasPrefix(text) || $0.id.hasPrefix(text) }
            if matches.count > 1 {
                throw OperatorError("\(TerminalText.line(text)) matches \(matches.count) jobs: \(matches.prefix(5).map(\.name).joined(separator: ", "))…; say more")
            }
            return matches.first
        }
    }
}

/// Which records `logs` prints.
struct RecordFilter {
    var since: Date?
    var kinds: Set<TraceKind>?

    init(since: String?, kinds: String?, now: Date) throws {
        if let since {
            if let date = RFC3339.date(from: since) {
                self.since = date
            } else if let seconds = TraceStartPoint.duration(since) {
                self.since = now.addingTimeInterval(-seconds)
            } else {
                throw OperatorError("--since \(TerminalText.line(since)): expected a duration like 15m or 2h, or an RFC 3339 time")
            }
        }
        if let kinds {
            var set: Set<TraceKind> = []
            for name in kinds.split(separator: ",") {
                let trimmed = name.trimmingCharacters(in: .whitespaces).lowercased()
                guard let kind = TraceKind(rawValue: trimmed) else {
                    throw OperatorError("--kind: unknown kind '\(TerminalText.line(trimmed))' (expected \(TraceKind.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
                set.insert(kind)
            }
            self.kinds = set
        }
    }

    func admits(_ record: TraceRecord) -> Bool {
        if let since, record.time < since { return false }
        if let kinds, !kinds.contains(record.kind) { return false }
        return true
    }
}

/// Prints a job's records after a given `seq`, page by page (never the whole trace in memory).
struct RecordPrinter: Sendable {
    var format: Flightdeck.Logs.LogFormat
    var filter: RecordFilter

    /// Returns the last `seq` printed or passed over.
    func print(store: HistoryStore, jobID: String, after start: Int64) throws -> Int64 {
        var last = start
        while true {
            let page = try store.trace(jobID: jobID, after: last, limit: 2_000)
            guard let tail = page.last else { return last }
            var text = ""
            for record in page where filter.admits(record) {
                switch format {
                case .text: text += TraceText.line(record) + "\n"
                case .json: text += try JSONLines.encode(record) + "\n"
                }
            }
            FileHandle.standardOutput.write(Data(text.utf8))
            last = tail.seq
        }
    }
}
