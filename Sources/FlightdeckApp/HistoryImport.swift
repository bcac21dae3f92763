import FlightdeckCore
import Foundation
import HistoryStore

/// `flightdeck history import`: a saved agent log (one trace line per line, JSON or plain
/// text) filed under a job in history, e.g. a run made outside the cluster. Importing the
/// same source twice stores its records once (each is named by source and line number).
public struct HistoryImport: Sendable {
    /// The job the records are filed under.
    public var jobID: String
    /// Names the source for de-duplication.
    public var sourceName: String
    public var limits: HistoryWriter.Limits

    public init(jobID: String, sourceName: String, limits: HistoryWriter.Limits = HistoryWriter.Limits()) {
        self.jobID = jobID
        self.sourceName = sourceName
        self.limits = limits
    }

    /// What an import did.
    public struct Report: Sendable, Hashable {
        /// Lines read from the source.
        public var lines: Int
        /// The job's records in history afterwards (an import seen before adds none).
        public var records: Int64

        public init(lines: Int, records: Int64) {
            self.lines = lines
            self.records = records
        }

        public func summary(jobID: String) -> String {
            "imported \(lines) lines into job \(TerminalText.line(jobID)) (\(records) records in history)"
        }
    }

    /// The source's name when none is given: the file's name, or `stdin` for `-`.
    public static func defaultSourceName(file: String) -> String {
        file == "-" ? "stdin" : (file as NSString).lastPathComponent
    }

    /// The file to read (`-`: standard input); one line naming it when it cannot be read.
    public static func input(_ file: String) throws -> FileHandle {
        if file == "-" { return .standardInput }
        guard let handle = FileHandle(forReadingAtPath: file) else {
            throw OperatorError("cannot read \(file): no such file or permission denied")
        }
        return handle
    }

    /// Reads `input` to its end into `store`: the job is created first when history does not
    /// know it (as history only, which is what `deleted` means), then every line becomes a
    /// record, committed in batches.
    @available(*, noasync, message: "writes through a blocking writer: run it on a thread of its own")
    public func run(_ input: FileHandle, into store: HistoryStore, receivedAt: Date = Date()) throws -> Report {
        let writer = HistoryWriter(store: store, limits: limits)
        if try store.job(id: jobID) == nil {
            try store.write([.job(AgentJob(id: jobID, name: jobID, namespace: "", createdAt: receivedAt, status: .deleted))])
        }
        let parser = TraceLineParser()
        var lineNumber = 0
        var reader = LineReader(handle: input)
        do {
            while let line = try reader.next() {
                lineNumber += 1
                writer.submit(.trace(parser.parse(line, jobID: jobID, sourceID: "\(sourceName):\(lineNumber)",
                    receivedAt: receivedAt)))
            }
        } catch {
            try? writer.close()
            throw error
        }
        try writer.close()
        return Report(lines: lineNumber, records: try store.traceCount(jobID: jobID))
    }
}
