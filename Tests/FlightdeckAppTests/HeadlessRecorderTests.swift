import AgentManifests
import FlightdeckApp
import FlightdeckCore
import FlightdeckTestSupport
import Foundation
import HistoryStore
import Orchestrator
import Synchronization
import Testing

/// `flightdeck record` against the simulated cluster and a real history file: what it says,
/// and what its exit says about what was stored.
@Suite(.timeLimit(.minutes(3))) struct HeadlessRecorderTests {
    /// The lines a recorder said, and a way to wait for one.
    final class Lines: Sendable {
        let said = Mutex<[String]>([])
        func append(_ line: String) { said.withLock { $0.append(line) } }
        var all: [String] { said.withLock { $0 } }
        func waitFor(_ predicate: @escaping @Sendable (String) -> Bool) async {
            try? await eventually { said.withLock { $0.contains(where: predicate) } }
        }
    }

    static func recorder(_ fixture: SimulatedClusterFixture, quiet: Bool, lines: Lines) -> HeadlessRecorder {
        let keeper = HistoryKeeper(store: fixture.store, api: fixture.api, options: .onThisMachine(connection: fixture.connection,
            trace: TraceSettings(), nats: nil, historyPath: fixture.store.path))
        return HeadlessRecorder(keeper: keeper, server: fixture.connection.server.absoluteString, natsURL: nil, quiet: quiet) {
            lines.append($0)
        }
    }

    static func submit(_ uuid: String, _ fixture: SimulatedClusterFixture) async throws -> String {
        let task = AgentTask(uuid: uuid, image: "ghcr.io/flightdeck/sim-agent:1", prompt: "record me",
            environment: ["SIM_AGENT_STEPS": "200"])
        _ = try await Submitter(api: fixture.api).submit(SubmitPlan(task: task, settings: ClusterSettings(namespace: "agents")))
        return TaskManifests.jobName(task)
    }

    @Test func itSaysWhatItRecordsAndStopsWithEverythingStored() async throws {
        let fixture = try await SimulatedClusterFixture("flightdeck-record")
        let name = try await Self.submit("1d5b7c1e-5d4a-4e6b-9c7d-0a1b2c3d4e5f", fixture)
        let lines = Lines()
        try await Self.recorder(fixture, quiet: false, lines: lines).run {
            await lines.waitFor { $0.hasPrefix(name + " ") }
        }
        let said = lines.all
        #expect(said.first == "recording agents on \(fixture.connection.server.absoluteString) into \(fixture.store.path); trace from pod logs")
        #expect(said.last == "stopped; everything received is in \(fixture.store.path)")
        #expect(try await fixture.store.reading { try $0.jobs(JobQuery(name: name)) }.count == 1)
        await fixture.stop()
    }

    @Test func quietItSaysNothingWhenAllIsWell() async throws {
        let fixture = try await SimulatedClusterFixture("flightdeck-record-quiet")
        let name = try await Self.submit("2d5b7c1e-5d4a-4e6b-9c7d-0a1b2c3d4e5f", fixture)
        let lines = Lines()
        let store = fixture.store
        try await Self.recorder(fixture, quiet: true, lines: lines).run {
            try? await eventually { try await store.reading { try $0.jobs(JobQuery(name: name)) }.count == 1 }
        }
        #expect(lines.all.isEmpty, "\(lines.all)")
        await fixture.stop()
    }

    /// Another process holds the history's write lock: the recorder says so while it lasts,
    /// and stopping then is a failure naming the file.
    @Test func stoppedWhileTheStoreRefusesWritesItFailsNamingTheFile() async throws {
        let fixture = try await SimulatedClusterFixture("flightdeck-record-locked", storeOptions: .init(busyTimeout: 0.2))
        let lock = try SQLiteWriteLock(path: fixture.store.path, seconds: 120)
        defer { lock.release() }
        _ = try await Self.submit("3d5b7c1e-5d4a-4e6b-9c7d-0a1b2c3d4e5f", fixture)
        let lines = Lines()
        let error = await #expect(throws: OperatorError.self) {
            try await Self.recorder(fixture, quiet: true, lines: lines).run {
                await lines.waitFor { $0.hasPrefix("history: ") && $0.hasSuffix("; retrying") }
            }
        }
        #expect(error?.message.contains(fixture.store.path) == true, "\(error?.message ?? "")")
        #expect(lines.all.contains { $0.contains("stayed locked by another process") }, "\(lines.all)")
        lock.release()
        await fixture.stop()
    }

    @Test func theStatusLinesSayTroubleEvenWhenQuiet() {
        let job = AgentJob(id: "a1", name: "agent-a1", namespace: "agents", status: .running)
        let retrying = Date(timeIntervalSince1970: 0)
        #expect(HeadlessRecorder.line(for: .reconciler(.job(job)), quiet: false) == "agent-a1 running")
        #expect(HeadlessRecorder.line(for: .reconciler(.job(job)), quiet: true) == nil)
        #expect(HeadlessRecorder.line(for: .reconciler(.synced), quiet: false) == nil)
        #expect(HeadlessRecorder.line(for: .reconciler(.connection(.retrying(at: retrying, reason: "refused"))), quiet: true)
            == "cluster: refused")
        #expect(HeadlessRecorder.line(for: .nats(.reconnecting(reason: "gone", retryAt: retrying)), quiet: true) == "nats: gone")
        #expect(HeadlessRecorder.line(for: .note("pinned agent-a1"), quiet: false) == "pinned agent-a1")
        #expect(HeadlessRecorder.line(for: .note("pinned agent-a1"), quiet: true) == nil)
        #expect(HeadlessRecorder.line(for: .store(.diskFull(path: "/h.db")), quiet: true)
            == "history: \(HistoryStoreError.diskFull(path: "/h.db")); retrying")
        #expect(HeadlessRecorder.line(for: .store(nil), quiet: true) == "history: writing again")
        #expect(HeadlessRecorder.banner(namespace: "agents", server: "https://k3s:6443", historyPath: "/h.db",
            natsURL: "nats://n:4222") == "recording agents on https://k3s:6443 into /h.db; trace from nats://n:4222")
    }

    @Test func theStartPointIsParsedOrRefusedInOneLine() throws {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        #expect(try HeadlessRecorder.startPoint("last 200", now: now) == .lastPerJob(200))
        #expect(try HeadlessRecorder.startPoint("since 2h", now: now) == .since(now.addingTimeInterval(-7_200)))
        #expect(throws: OperatorError("--start-from yesterday: expected new, all, last N, since <time> or since <duration>")) {
            try HeadlessRecorder.startPoint("yesterday", now: now)
        }
    }
}
