import FlightdeckCore
import FlightdeckTestSupport
import Foundation
import Synchronization
import Testing

@testable import SimAgent

/// Commands delivered at least once are carried out once: an instruction is confirmed only
/// after the checkpoint that quotes it is saved, with its id; one delivered again (the agent
/// died before its confirmation reached the bus) is confirmed and dropped.
@Suite(.timeLimit(.minutes(2)))
struct CommandDeliveryTests {
    final class Acks: Sendable {
        let ids = Mutex<[String]>([])
        func delivery(_ command: OperatorCommand, id: String) -> CommandDelivery {
            CommandDelivery(IssuedCommand(command, id: id)) { self.record(id) }
        }
        func record(_ id: String) { ids.withLock { $0.append(id) } }
        var all: [String] { ids.withLock { $0 } }
    }

    @Test func pauseAndResumeAreConfirmedAtOnceAnInstructionWhenSavedAndACopyIsDropped() async throws {
        let directory = TemporaryDirectory("sim-agent-commands")
        let control = AgentControl()
        let acks = Acks()
        control.apply(acks.delivery(.pause, id: "p1"))
        control.apply(acks.delivery(.instruct("prefer pytest -x"), id: "i1"))
        control.apply(acks.delivery(.instruct("prefer pytest -x"), id: "i1"))  // the same, delivered again
        #expect(acks.all == ["p1", "i1"], "pause at once; the copy confirmed and dropped; the instruction not yet")
        #expect(control.current.pendingInstructions == ["prefer pytest -x"])
        control.apply(acks.delivery(.resume, id: "r1"))

        let sink = RecordingSink()
        let exit = await agent(directory, steps: 2, sink: sink, control: control).run()
        #expect(exit.code == 0)
        #expect(acks.all == ["p1", "i1", "r1", "i1"], "confirmed after step 1's checkpoint")
        #expect(sink.texts.filter { $0.contains("prefer pytest -x") }.count == 1)
        let store = try CheckpointStore(path: directory.path + "/workspace/checkpoints/job_job-1.db", threadID: "job-1")
        #expect(try store.appliedCommands(among: ["i1", "other"]) == ["i1"])
    }

    @Test func anInstructionAlreadyCarriedOutBeforeACrashIsNotCarriedOutAgain() async throws {
        let directory = TemporaryDirectory("sim-agent-commands")
        // The first run quoted and saved instruction i1, then died before confirming it.
        let first = AgentControl()
        first.apply(CommandDelivery(IssuedCommand(.instruct("keep the API stable"), id: "i1")))
        let firstSink = RecordingSink()
        #expect(await agent(directory, steps: 1, sink: firstSink, control: first).run().code == 0)
        #expect(firstSink.texts.contains { $0.contains("keep the API stable") })

        // The restarted agent receives it again: confirmed, not quoted.
        let again = AgentControl()
        let acks = Acks()
        again.apply(acks.delivery(.instruct("keep the API stable"), id: "i1"))
        let sink = RecordingSink()
        #expect(await agent(directory, steps: 3, sink: sink, control: again).run().code == 0)
        #expect(!sink.texts.contains { $0.contains("keep the API stable") })
        #expect(acks.all == ["i1"])
    }

    @Test func aCancelIsConfirmedWhenTheAgentStops() async throws {
        let directory = TemporaryDirectory("sim-agent-commands")
        let control = AgentControl()
        let acks = Acks()
        control.apply(acks.delivery(.cancel, id: "c1"))
        #expect(acks.all.isEmpty)
        let exit = await agent(directory, steps: 5, sink: RecordingSink(), control: control).run()
        #expect(exit == AgentExit(code: 0, reason: .cancelled))
        #expect(acks.all == ["c1"])
    }
}
