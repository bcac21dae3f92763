import FlightdeckCore
import FlightdeckTestSupport
import Foundation
import HistoryStore
import KubeModel
import Orchestrator
import Testing

/// Automatic pinning wired to the history: a committed record that shows a configured
/// keyword pins its Job on the (simulated) cluster — once, and only for that Job.
@Suite(.timeLimit(.minutes(2))) struct AutoPinnerTests {
    typealias Fixture = SubmitterTests.Fixture

    @Test func aCommittedRecordWithAKeywordPinsItsJob() async throws {
        let fixture = try await Fixture()
        let plan = SubmitterTests.plan("a1a1a1a1-aaaa-4bbb-8ccc-00000000a1a1")
        let calm = SubmitterTests.plan("b2b2b2b2-aaaa-4bbb-8ccc-00000000b2b2")
        _ = try await Submitter(api: fixture.api).submit(plan)
        _ = try await Submitter(api: fixture.api).submit(calm)
        for job in [plan, calm] {
            _ = try await fixture.api.patch(.jobs, namespace: "agents", name: job.jobName, ["spec": ["ttlSecondsAfterFinished": 600]])
        }
        let dir = TemporaryDirectory()
        let store = try HistoryStore(path: dir.file("history.db"))
        let feed = LiveFeed(store: store)
        let writer = HistoryWriter(store: store) { outcome in
            if case .committed(let commit) = outcome { feed.publish(commit) }
        }
        for job in [plan, calm] {
            try await writer.enqueue(contentsOf: [.job(AgentJob(id: String(job.taskUUID.prefix(8)), name: job.jobName, namespace: "agents"))])
        }
        try await writer.flushed()
        let notes = NoteBox()
        let pinner = AutoPinner(feed: feed, store: store, actions: AgentActions(api: fixture.api, namespace: "agents"),
            keywords: ["Traceback (most recent call last)"])
        let running = Task { await pinner.run { notes.add($0) } }
        try await Task.sleep(for: .milliseconds(100))  // subscribed before the records commit
        let parser = TraceLineParser()
        try await writer.enqueue(contentsOf: [.trace(parser.parse("all good", jobID: String(calm.taskUUID.prefix(8)), sourceID: "t1", receivedAt: Date()))])
        try await writer.enqueue(.trace(parser.parse(#"{"kind":"error","text":"Traceback (most recent call last):\n  boom"}"#,
            jobID: String(plan.taskUUID.prefix(8)), sourceID: "t2", receivedAt: Date())))
        try await writer.enqueue(.trace(parser.parse("Traceback (most recent call last): again", jobID: String(plan.taskUUID.prefix(8)),
            sourceID: "t3", receivedAt: Date())))
        try await writer.flushed()

        try await eventually {
            let job = Job(json: try await fixture.api.get(.jobs, namespace: "agents", name: plan.jobName))
            return job.metadata.annotations["flightdeck.dev/pinned"] == "true"
        }
        let pinned = Job(json: try await fixture.api.get(.jobs, namespace: "agents", name: plan.jobName))
        #expect(pinned.json[path: ["spec", "ttlSecondsAfterFinished"]] == nil)
        let other = Job(json: try await fixture.api.get(.jobs, namespace: "agents", name: calm.jobName))
        #expect(other.metadata.annotations["flightdeck.dev/pinned"] == nil)
        #expect(other.json[path: ["spec", "ttlSecondsAfterFinished"]]?.int64Value == 600)
        try await Task.sleep(for: .milliseconds(200))
        #expect(notes.all == ["\(plan.jobName) pinned for debugging: its trace shows \"traceback (most recent call last)\""])
        running.cancel()
        try await writer.closed()
    }
}

final class NoteBox: @unchecked Sendable {
    private let lock = NSLock()
    private var notes: [String] = []
    func add(_ note: String) { lock.withLock { notes.append(note) } }
    var all: [String] { lock.withLock { notes } }
}
