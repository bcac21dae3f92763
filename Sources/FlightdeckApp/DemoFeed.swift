import FlightdeckCore
import Foundation
import HistoryStore
import Orchestrator
import Synchronization

/// The demo's plain live feed: job state changes and the agents' trace lines, one line
/// each, sanitised and cut to the terminal's width.
public final class DemoFeed: Sendable {
    private let lock = Mutex(())
    private let width: Int
    private let write: @Sendable (String) -> Void

    /// Lines go to standard output, cut to its width.
    public convenience init() {
        self.init(width: Self.terminalWidth()) { FileHandle.standardOutput.write(Data($0.utf8)) }
    }

    /// Lines (each ending in a newline) go to `write`, cut to `width` columns.
    public init(width: Int, write: @escaping @Sendable (String) -> Void) {
        self.width = max(2, width)
        self.write = write
    }

    /// `COLUMNS`, else standard output's width, else 120 (at least 40).
    public static func terminalWidth() -> Int {
        if let columns = ProcessInfo.processInfo.environment["COLUMNS"].flatMap(Int.init), columns >= 40 { return columns }
        var size = winsize()
        if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col >= 40 { return Int(size.ws_col) }
        return 120
    }

    public func say(_ text: String) {
        emit(TerminalText.line(text))
    }

    private func emit(_ line: String) {
        let clock = Self.clock(Date())
        var text = "\(clock)  \(line)"
        if text.count > width { text = String(text.prefix(width - 1)) + "…" }
        lock.withLock { _ in write(text + "\n") }
    }

    public static func clock(_ date: Date) -> String {
        let seconds = Int(date.timeIntervalSince1970) % 86400
        return String(format: "%02d:%02d:%02d", seconds / 3600, seconds / 60 % 60, seconds % 60)
    }

    /// Job states as the reconciler records them (changes only).
    public func jobs(_ updates: AsyncStream<Reconciler.Update>, titles: [String: String]) async {
        var last: [String: String] = [:]
        for await update in updates {
            guard case .job(let job) = update else { continue }
            var state = job.status.rawValue
            if job.retries > 0 { state += " (\(job.retries)/\(job.backoffLimit ?? 0) retries)" }
            if let node = job.node, job.status == .running { state += " on \(node)" }
            if let why = job.pendingReason, why != job.status.rawValue { state += ": \(why)" }
            guard last[job.name] != state else { continue }
            last[job.name] = state
            emit(TerminalText.line("\(job.name)  [\(titles[job.name] ?? "")]  \(state)"))
        }
    }

    /// Prints the trace records as the history commits them (from NATS or pod logs alike).
    public func records(_ feed: LiveFeed, store: HistoryStore) async {
        var names: [String: String] = [:]
        for await update in feed.updates() {
            for record in update.records {
                if names[record.jobID] == nil || names[record.jobID] == record.jobID {
                    let id = record.jobID
                    names[id] = (try? await store.reading { try $0.job(id: id) })??.name ?? id
                }
                let job = names[record.jobID]!
                let phase = record.phase?.rawValue ?? "-"
                var text = record.text
                if let tool = record.tool, record.kind == .action { text = "\(tool): \(record.args ?? text)" }
                if let code = record.exitCode, record.kind == .observation { text = "exit \(code): \(text)" }
                text = text.replacingOccurrences(of: "\n", with: " ⏎ ")
                emit(TerminalText.line("\(job)  \(phase.padding(toLength: 9, withPad: " ", startingAt: 0)) "
                    + "\(record.kind.rawValue.padding(toLength: 11, withPad: " ", startingAt: 0)) \(text)"))
            }
        }
    }
}
