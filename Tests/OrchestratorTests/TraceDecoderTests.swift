import FlightdeckCore
import Foundation
import HistoryStore
import Testing
@testable import Orchestrator

/// The decoder both trace sources share: subjects, Fluent Bit chunks, events, phases.
@Suite struct TraceDecoderTests {
    let decoder = TraceDecoder()
    let now = Date(timeIntervalSince1970: 1_764_400_000)

    func decode(_ subject: String, _ payload: String, _ phases: inout PhaseTracker) -> [HistoryWrite] {
        decoder.decode(subject: subject, payload: Array(payload.utf8), sourceID: "nats:7", receivedAt: now, phases: &phases)
    }

    func records(_ writes: [HistoryWrite]) -> [TraceRecord] {
        writes.compactMap { if case .trace(let record) = $0 { record } else { nil } }
    }

    @Test func routesOnlyPlausibleAgentSubjects() {
        #expect(TraceDecoder.route(subject: "logs.agent.3f2a9c1b7d4e")?.jobID == "3f2a9c1b7d4e")
        #expect(TraceDecoder.route(subject: "events.agent.agent-x_1")?.channel == .events)
        for hostile in ["logs.agent.\u{1B}[2J", "logs.agent.", "logs.agent.-x", "cmd.agent.abc", "logs.agent.a\u{7}b",
            "logs.agent." + String(repeating: "a", count: 129), "logs.agent.ünïcode"]
        {
            #expect(TraceDecoder.route(subject: hostile) == nil, "\(hostile.debugDescription)")
        }
    }

    @Test func aRecordWithANewPhaseAlsoWritesThePhaseChange() {
        var phases = PhaseTracker()
        let first = decode("logs.agent.j1", #"{"kind":"thought","phase":"STRATEGIC","text":"plan"}"#, &phases)
        #expect(first.count == 2)
        guard case .phaseChange(let job, let phase, _, let source) = first[0] else {
            Issue.record("expected a phase change first, got \(first)")
            return
        }
        #expect(job == "j1" && phase == .strategic && source == "phase@nats:7")
        let same = decode("logs.agent.j1", #"{"kind":"thought","phase":"strategic","text":"more"}"#, &phases)
        #expect(same.count == 1)
        let other = decode("logs.agent.j2", #"{"kind":"action","phase":"STRATEGIC","tool":"t"}"#, &phases)
        #expect(other.count == 2, "phases are tracked per job")
    }

    @Test func unwrapsFluentBitChunksIntoOneRecordPerLine() {
        var phases = PhaseTracker()
        let chunk = #"[[1764400001.5,{"kind":"thought","text":"a","ts":"2026-11-29T07:00:00Z"}],[1764400002.25,{"log":"plain \u001b[31mred"}]]"#
        let stored = records(decode("logs.agent.j1", chunk, &phases))
        #expect(stored.map(\.sourceID) == ["nats:7/0", "nats:7/1"])
        #expect(stored[0].kind == .thought && stored[0].text == "a")
        #expect(stored[1].kind == .message && !stored[1].text.contains("\u{1B}") && stored[1].text.hasPrefix("plain "))
        #expect(stored[1].time == Date(timeIntervalSince1970: 1_764_400_002.25), "Fluent Bit's time when the line has none")
        let single = records(decode("logs.agent.j1", #"[1764400003,{"kind":"error","text":"boom"}]"#, &phases))
        #expect(single.map(\.kind) == [.error])
        let notChunk = records(decode("logs.agent.j1", "[1, 2, 3]", &phases))
        #expect(notChunk.count == 1 && notChunk[0].text == "[1, 2, 3]")
    }

    @Test func eventsBecomePhasesMarkersStatusAndWorkspace() {
        var phases = PhaseTracker()
        let phase = decode("events.agent.j1", #"{"type":"phase","phase":"TACTICAL"}"#, &phases)
        #expect(phase.count == 1)
        #expect(decode("events.agent.j1", #"{"type":"phase","phase":"TACTICAL"}"#, &phases).isEmpty)
        let checkpoint = decode("events.agent.j1", #"{"type":"checkpoint","step":7}"#, &phases)
        guard case .marker(let marker, _) = checkpoint.first else {
            Issue.record("expected a marker, got \(checkpoint)")
            return
        }
        #expect(marker.kind == .checkpoint && marker.detail == "step 7")
        let status = records(decode("events.agent.j1", #"{"type":"status","state":"failed","summary":"tests red"}"#, &phases))
        #expect(status.first?.kind == .error && status.first?.text == "agent status: failed — tests red")
        let files = decode("events.agent.j1",
            #"{"type":"files","entries":[{"path":"src/a.py","kind":"file","size":12},{"path":"../etc/passwd","kind":"file"}]}"#,
            &phases)
        guard case .workspace(_, let entries, _, _) = files.first else {
            Issue.record("expected a workspace snapshot, got \(files)")
            return
        }
        #expect(entries.map(\.path) == ["src/a.py"])
        #expect(decode("events.agent.j1", #"{"type":"heartbeat"}"#, &phases).isEmpty)
        #expect(decode("events.agent.j1", "not json", &phases).isEmpty)
    }

    @Test func podLogLinesOfOtherContainersAreMarked() {
        var phases = PhaseTracker()
        let writes = decoder.decodeLogLine(Array("[error] cannot connect to nats:4222".utf8), jobID: "j1",
            container: "log-shipper", sourceID: "log:p/log-shipper/t", receivedAt: now, phases: &phases)
        #expect(records(writes).first?.text == "[log-shipper] [error] cannot connect to nats:4222")
    }

    @Test func lineNumberingNamesRepeatedTimestampsApart() {
        var numbering = LineNumbering()
        #expect(["t1", "t1", "t2", "t2", "t2", "t3"].map { numbering.identity(of: $0) }
            == ["t1", "t1#1", "t2", "t2#1", "t2#2", "t3"])
    }

    @Test func startPointsParse() {
        #expect(TraceStartPoint(parsing: "last 200", now: now) == .lastPerJob(200))
        #expect(TraceStartPoint(parsing: "since 2h", now: now) == .since(now.addingTimeInterval(-7200)))
        #expect(TraceStartPoint(parsing: "since 2026-11-29T07:00:00Z", now: now) != nil)
        for bad in ["last", "last -1", "since", "since yesterday", "everything"] {
            #expect(TraceStartPoint(parsing: bad, now: now) == nil, "\(bad)")
        }
    }
}

import AgentManifests
