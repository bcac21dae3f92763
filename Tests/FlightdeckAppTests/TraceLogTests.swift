import FlightdeckApp
import FlightdeckCore
import FlightdeckTestSupport
import Foundation
import HistoryStore
import Orchestrator
import Synchronization
import Testing

/// `flightdeck logs`: which records are printed and how, which job a name finds, and the
/// follow against a real history file and its live feed.
@Suite(.timeLimit(.minutes(2))) struct TraceLogTests {
    let directory = TemporaryDirectory("flightdeck-logs")
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    /// What a printer wrote.
    final class Output: Sendable {
        let text = Mutex("")
        func write(_ more: String) { text.withLock { $0 += more } }
        var lines: [String] { text.withLock { $0 }.split(separator: "\n").map(String.init) }
    }

    static func record(_ job: String, _ n: Int, kind: TraceKind = .thought, ago: TimeInterval = 0) -> HistoryWrite {
        .trace(TraceRecord(jobID: job, sourceID: "s:\(n)", time: now.addingTimeInterval(-ago), kind: kind, text: "step \(n)"))
    }

    @Test func theFilterTakesADurationOrATimeAndKnownKinds() throws {
        let filter = try TraceFilter(since: "15m", kinds: "Thought, error", now: Self.now)
        #expect(filter == TraceFilter(since: Self.now.addingTimeInterval(-900), kinds: [.thought, .error]))
        #expect(try TraceFilter(since: "2026-11-29T04:00:00Z", kinds: nil, now: Self.now).since == RFC3339.date(from: "2026-11-29T04:00:00Z"))
        #expect(throws: OperatorError("--since yesterday: expected a duration like 15m or 2h, or an RFC 3339 time")) {
            try TraceFilter(since: "yesterday", kinds: nil, now: Self.now)
        }
        let unknown = #expect(throws: OperatorError.self) { try TraceFilter(since: nil, kinds: "thought,dream", now: Self.now) }
        #expect(unknown?.message.hasPrefix("--kind: unknown kind 'dream' (expected ") == true)

        let old = TraceRecord(jobID: "j", sourceID: "a", time: Self.now.addingTimeInterval(-3_600), kind: .thought, text: "")
        let recentAction = TraceRecord(jobID: "j", sourceID: "b", time: Self.now, kind: .action, text: "")
        let recentThought = TraceRecord(jobID: "j", sourceID: "c", time: Self.now, kind: .thought, text: "")
        #expect(!filter.admits(old) && !filter.admits(recentAction) && filter.admits(recentThought))
    }

    @Test func thePrinterPagesThroughTheTraceAndKeepsItTerminalSafe() throws {
        let store = try HistoryStore(path: directory.file("history.db"))
        try store.write([.job(AgentJob(id: "j1", name: "agent-j1", namespace: "agents", status: .running))]
            + (1...5).map { Self.record("j1", $0, kind: $0 == 3 ? .action : .thought) }
            + [.trace(TraceRecord(jobID: "j1", sourceID: "s:6", time: Self.now, kind: .thought, text: "\u{1B}]52;c;aGk=\u{07}x"))])
        let output = Output()
        let printer = TracePrinter(format: .text, filter: TraceFilter(kinds: [.thought])) { output.write($0) }
        #expect(try printer.print(store: store, jobID: "j1", after: 0, pageSize: 2) == 6)
        #expect(output.lines.count == 5)
        #expect(output.lines.first?.hasSuffix("thought     step 1") == true, "\(output.lines)")
        #expect(!output.text.withLock { $0 }.contains("\u{1B}"))
        // From where it stopped: nothing more.
        #expect(try printer.print(store: store, jobID: "j1", after: 6) == 6)
        #expect(output.lines.count == 5)

        let json = try TracePrinter.text(try store.trace(jobID: "j1", after: 0, limit: 10), format: .json, filter: TraceFilter())
        let objects = try json.split(separator: "\n").map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        #expect(objects.count == 6)
        #expect(objects[2]["kind"] as? String == "action")
    }

    @Test func aJobIsFoundByIdNameOrAUniquePrefix() throws {
        let store = try HistoryStore(path: directory.file("history.db"))
        try store.write([
            .job(AgentJob(id: "4f2a9c", name: "agent-4f2a9c", namespace: "agents", createdAt: Self.now, status: .running)),
            .job(AgentJob(id: "4f7b00", name: "agent-4f7b00", namespace: "agents", createdAt: Self.now, status: .failed)),
        ])
        #expect(try JobLookup.find("4f2a9c", in: store)?.name == "agent-4f2a9c")
        #expect(try JobLookup.find("agent-4f7b00", in: store)?.id == "4f7b00")
        #expect(try JobLookup.find("4f2", in: store)?.id == "4f2a9c")
        #expect(try JobLookup.find("nothing", in: store) == nil)
        let ambiguous = #expect(throws: OperatorError.self) { try JobLookup.find("agent-4f", in: store) }
        #expect(ambiguous?.message.hasPrefix("agent-4f matches 2 jobs: ") == true)
    }

    /// A job history does not know yet: the follow finds it when it appears, prints each of
    /// its records once and in order, and ends once it has finished and gone quiet.
    @Test func theFollowPrintsEachRecordOnceAndEndsWhenTheJobIsDone() async throws {
        let store = try HistoryStore(path: directory.file("history.db"))
        let feed = LiveFeed(store: store)
        let output = Output()
        let follower = TraceFollower(store: store, printer: TracePrinter(format: .text, filter: TraceFilter()) { output.write($0) },
            quietPeriod: .milliseconds(300), tick: .milliseconds(20))
        let following = Task { await follower.follow("agent-late", knownID: nil, feed: feed) }

        func commit(_ writes: [HistoryWrite]) throws { feed.publish(try store.write(writes)) }
        try commit([.job(AgentJob(id: "late", name: "agent-late", namespace: "agents", status: .running))]
            + (1...3).map { Self.record("late", $0) })
        try await eventually { output.lines.count == 3 }
        try commit((4...6).map { Self.record("late", $0) })
        try commit([.job(AgentJob(id: "late", name: "agent-late", namespace: "agents", status: .succeeded))])
        await following.value
        #expect(output.lines.map { String($0.suffix(6)) } == (1...6).map { "step \($0)" })
    }
}
