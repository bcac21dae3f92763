import FlightdeckCore
import Foundation
import Orchestrator
import Testing

@Suite struct AutoPinTests {
    func record(_ text: String, kind: TraceKind = .observation) -> TraceRecord {
        TraceLineParser().parse(text, jobID: "a7", sourceID: UUID().uuidString, receivedAt: Date())
    }

    @Test func pinsOnceOnAConfiguredKeyword() {
        var pin = AutoPin(keywords: ["Traceback", "panic:"])
        #expect(pin.match(record("all 38 tests passed"), jobName: "agent-1") == nil)
        #expect(pin.match(record("Traceback (most recent call last):\n  File \"x.py\""), jobName: "agent-1") == "traceback")
        #expect(pin.match(record("panic: runtime error"), jobName: "agent-1") == nil, "already pinned")
        #expect(pin.match(record("PANIC: boom"), jobName: "agent-2") == "panic:")
        var none = AutoPin(keywords: [])
        #expect(none.match(record("panic: x"), jobName: "agent-3") == nil)
    }
}
