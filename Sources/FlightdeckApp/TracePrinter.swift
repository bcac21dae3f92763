import FlightdeckCore
import HistoryStore

/// How `flightdeck logs` prints a record: a line of text, or its JSON object.
public enum TraceFormat: String, CaseIterable, Sendable {
    case text
    case json
}

/// Prints a job's trace records from history after a given `seq`, page by page (never the
/// whole trace in memory), through `write` — each line terminal-safe.
public struct TracePrinter: Sendable {
    public var format: TraceFormat
    public var filter: TraceFilter
    private let write: @Sendable (String) -> Void

    /// `write` takes a page's worth of lines, each ending in a newline.
    public init(format: TraceFormat, filter: TraceFilter, write: @escaping @Sendable (String) -> Void) {
        self.format = format
        self.filter = filter
        self.write = write
    }

    /// What is printed for `records`: those the filter admits, one line each.
    public static func text(_ records: [TraceRecord], format: TraceFormat, filter: TraceFilter) throws -> String {
        var text = ""
        for record in records where filter.admits(record) {
            switch format {
            case .text: text += TraceText.line(record) + "\n"
            case .json: text += try JSONLines.encode(record) + "\n"
            }
        }
        return text
    }

    /// Prints `jobID`'s records after `start`; returns the last `seq` printed or passed over.
    /// Reads synchronously: async callers run it in `store.reading`.
    public func print(store: HistoryStore, jobID: String, after start: Int64, pageSize: Int = 2_000) throws -> Int64 {
        var last = start
        while true {
            let page = try store.trace(jobID: jobID, after: last, limit: pageSize)
            guard let tail = page.last else { return last }
            let text = try Self.text(page, format: format, filter: filter)
            if !text.isEmpty { write(text) }
            last = tail.seq
        }
    }
}
