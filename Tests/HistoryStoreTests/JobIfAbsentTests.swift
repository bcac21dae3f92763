import FlightdeckCore
import FlightdeckTestSupport
import Foundation
import HistoryStore
import Testing

/// `HistoryWrite.jobIfAbsent`: a job row from a source other than the cluster (an agent's
/// telemetry) is made when history has none, and never changes one it has.
@Suite struct JobIfAbsentTests {
    let dir = TemporaryDirectory()

    @Test func aJobIsCreatedOnceAndTheClustersDescriptionIsKept() throws {
        let store = try HistoryStore(path: dir.file("history.db"))
        let seen = AgentJob(id: "j1", name: "j1", namespace: "agents", status: .running)
        // The trace record after it in the same batch finds the new row, not a bare one of its own.
        let first = try store.write([.jobIfAbsent(seen),
            .trace(TraceRecord(jobID: "j1", sourceID: "otlp:1", time: Date(), kind: .thought, text: "t"))])
        #expect(first.jobsChanged == ["j1"] && first.duplicates == 0)
        #expect(try store.job(id: "j1")?.namespace == "agents")
        #expect(try store.job(id: "j1")?.status == .running)

        try store.write([.job(AgentJob(id: "j1", uid: "u", name: "agent-j1", namespace: "lab", status: .succeeded))])
        let again = try store.write([.jobIfAbsent(seen)])
        #expect(again.duplicates == 1 && again.jobsChanged.isEmpty)
        let kept = try #require(try store.job(id: "j1"))
        #expect(kept.name == "agent-j1" && kept.namespace == "lab" && kept.status == .succeeded && kept.uid == "u")
    }
}
