import FlightdeckCore
import FlightdeckTestSupport
import Foundation
import Synchronization
import Testing

@testable import SimAgent

/// Keeps everything an agent emitted.
final class RecordingSink: TraceSink {
    private let emissions = Mutex<[AgentEmission]>([])
    func emit(_ emission: AgentEmission) { emissions.withLock { $0.append(emission) } }

    var all: [AgentEmission] { emissions.withLock { $0 } }
    var traces: [TraceRecord] {
        let parser = TraceLineParser()
        return all.filter { $0.channel == .logs }.map {
            parser.parse($0.line, jobID: "j", sourceID: "s", receivedAt: Date(timeIntervalSince1970: 0))
        }
    }
    var events: [JSONValue] { all.filter { $0.channel == .events }.map(\.payload) }
    var texts: [String] { traces.map(\.text) }
}

/// Polls `condition` (never a fixed sleep); the suite's time limit guards against a hang.
func eventually(_ condition: () -> Bool) async {
    while !condition() { try? await Task.sleep(for: .milliseconds(5)) }
}

func agent(_ directory: TemporaryDirectory, steps: Int = 5, faults: FaultPlan = FaultPlan(), pace: Double = 0,
    seed: UInt64 = 17, sink: RecordingSink, control: AgentControl = AgentControl(), commands: (any CommandSource)? = nil)
    -> SimAgent
{
    let config = SimAgentConfiguration(jobID: "job-1", workspacePath: directory.path + "/workspace", seed: seed,
        steps: steps, faults: faults, pace: pace, timeScale: 1)
    return SimAgent(configuration: config, sink: sink, control: control, commands: commands)
}

@Suite("SimAgent runs", .timeLimit(.minutes(3)))
struct SimAgentRunTests {
    @Test func runsToSuccessWritingRealFiles() async throws {
        let directory = TemporaryDirectory("sim-agent")
        let sink = RecordingSink()
        let exit = await agent(directory, steps: 5, sink: sink).run()
        #expect(exit == AgentExit(code: 0, reason: .completed))

        let root = directory.path + "/workspace"
        let manager = FileManager.default
        for path in ["README.md", "pyproject.toml", "NOTES.md", "REPORT.md", ".heartbeat", "checkpoints/job_job-1.db"] {
            #expect(manager.fileExists(atPath: root + "/" + path), "\(path)")
        }
        let notes = try String(contentsOfFile: root + "/NOTES.md", encoding: .utf8)
        for step in 1...5 { #expect(notes.contains("- step \(step): ")) }
        let store = try CheckpointStore(path: root + "/checkpoints/job_job-1.db", threadID: "job-1")
        #expect(try store.count() == 5)
        #expect(try store.last()?.step == 5)

        let traces = sink.traces
        #expect(traces.map(\.agentSeq) == (1...Int64(traces.count)).map { $0 })
        #expect(traces.first?.text.hasPrefix("Agent started: job job-1") == true)
        #expect(traces.last?.text.hasPrefix("Done: objective met in 5 steps") == true)
        #expect(traces.filter { $0.text.hasPrefix("Checkpoint saved: step ") }.count == 5)
        #expect(try store.last()?.seq == traces.last { $0.text.hasPrefix("Checkpoint saved: step 5/5") }?.agentSeq)
        // Control events: phases alternate, checkpoints per step, files, heartbeats, final status.
        let types = sink.events.compactMap { $0["type"]?.stringValue }
        let phases = sink.events.filter { $0["type"] == "phase" }.compactMap { $0["phase"]?.stringValue }
        #expect(zip(phases, phases.dropFirst()).allSatisfy { $0 != $1 })
        #expect(phases.first == "STRATEGIC")
        #expect(types.filter { $0 == "checkpoint" }.count == 5)
        #expect(types.contains("files"))
        #expect(types.contains("heartbeat"))
        #expect(sink.events.last { $0["type"] == "status" }?["state"] == "done")
        for event in sink.events {
            let record = ControlEvent.parse(event.serialized, jobID: "j", receivedAt: Date())
            if case .unknown? = record?.event { Issue.record("unparsed event \(event.serialized)") }
        }
    }

    @Test func rateLimitExitsThenTheRestartResumesFromTheCheckpoint() async throws {
        let directory = TemporaryDirectory("sim-agent")
        let first = RecordingSink()
        let faults = FaultPlan([.init(kind: .ratelimit, step: 3)])
        let exit = await agent(directory, steps: 6, faults: faults, sink: first).run()
        #expect(exit == AgentExit(code: 75, reason: .rateLimited))
        #expect(first.traces.last?.kind == .error)
        #expect(first.traces.last?.text.contains("429") == true)
        let store = try CheckpointStore(path: directory.path + "/workspace/checkpoints/job_job-1.db", threadID: "job-1")
        #expect(try store.count() == 2)

        let second = RecordingSink()
        let again = await agent(directory, steps: 6, faults: faults, sink: second).run()
        #expect(again == AgentExit(code: 0, reason: .completed))
        #expect(second.traces.first?.text.hasPrefix("Resumed from checkpoint step 2 (checkpoints/job_job-1.db)") == true)
        #expect(try store.count() == 6)
        // The resumed run continues the sequence after step 2's checkpoint record.
        let checkpoint2 = first.traces.first { $0.text.hasPrefix("Checkpoint saved: step 2/6") }
        #expect(second.traces.first?.agentSeq == (checkpoint2?.agentSeq ?? 0) + 1)
        #expect(!second.texts.contains { $0.hasPrefix("Step 1/6") || $0.hasPrefix("Step 2/6") })
        #expect(second.texts.contains { $0.hasPrefix("Step 3/6") })
    }

    @Test func oomIsKilledOnceAndFatalAlways() async throws {
        let directory = TemporaryDirectory("sim-agent")
        let sink = RecordingSink()
        let oom = await agent(directory, steps: 4, faults: FaultPlan([.init(kind: .oom, step: 2)]), sink: sink).run()
        #expect(oom == AgentExit(code: 137, oomKilled: true, reason: .oom))
        #expect(sink.traces.last?.kind == .action, "killed mid tool call, no last words")
        let resumed = await agent(directory, steps: 4, faults: FaultPlan([.init(kind: .oom, step: 2)]),
            sink: RecordingSink()).run()
        #expect(resumed.code == 0)

        let other = TemporaryDirectory("sim-agent")
        var config = SimAgentConfiguration(jobID: "job-2", workspacePath: other.path, steps: 4,
            faults: FaultPlan([.init(kind: .fatal, step: 3)]), pace: 0)
        config.fatalExitCode = 42
        for _ in 0..<2 {
            let fatalSink = RecordingSink()
            let exit = await SimAgent(configuration: config, sink: fatalSink).run()
            #expect(exit == AgentExit(code: 42, reason: .fatal))
            #expect(fatalSink.traces.last?.kind == .error)
            #expect(fatalSink.traces.last?.text.contains("AssertionError") == true)
        }
    }

    @Test func pauseHoldsBetweenStepsAndAnInstructionReachesTheNextThought() async throws {
        let directory = TemporaryDirectory("sim-agent")
        let sink = RecordingSink()
        let control = AgentControl()
        control.apply(.pause)
        let running = Task { await agent(directory, steps: 3, sink: sink, control: control).run() }
        await eventually { sink.texts.contains { $0.hasPrefix("Paused by operator after step 0") } }
        control.apply(.instruct("prefer pytest -x"))
        control.apply(.resume)
        let exit = await running.value
        #expect(exit.code == 0)
        let texts = sink.texts
        let paused = try #require(texts.firstIndex { $0.hasPrefix("Paused by operator") })
        let resumed = try #require(texts.firstIndex { $0.hasPrefix("Resumed by operator") })
        let firstStep = try #require(texts.firstIndex { $0.contains("Step 1/3") })
        #expect(paused < resumed && resumed < firstStep)
        #expect(texts[firstStep].hasPrefix("Operator instruction: \"prefer pytest -x\""))
        #expect(!texts.contains { $0.contains("Step 2/3") && $0.contains("Operator instruction") })
        #expect(sink.events.contains { $0["type"] == "status" && $0["state"] == "paused" })
    }

    @Test func cancelThroughTheCommandBusEndsAfterTheStep() async throws {
        let directory = TemporaryDirectory("sim-agent")
        let sink = RecordingSink()
        let bus = CommandBus()
        let running = Task { await agent(directory, steps: 100_000, pace: 0.002, sink: sink, commands: bus).run() }
        await eventually { bus.subscriberCount(forJob: "job-1") == 1 && sink.texts.contains { $0.hasPrefix("Checkpoint saved: step 2/") } }
        #expect(bus.publish(.cancel, toJob: "job-1") == 1)
        #expect(bus.publish(.cancel, toJob: "job-other") == 0)
        let exit = await running.value
        #expect(exit == AgentExit(code: 0, reason: .cancelled))
        #expect(sink.traces.last?.text.hasPrefix("Cancelled by operator after step") == true)
        #expect(sink.texts.filter { $0.hasPrefix("Checkpoint saved") }.count < 100_000)
        #expect(sink.events.last { $0["type"] == "status" }?["state"] == "cancelled")
        await eventually { bus.subscriberCount(forJob: "job-1") == 0 }
    }

    @Test func sigtermFinishesTheStepAndExits143() async throws {
        let directory = TemporaryDirectory("sim-agent")
        let sink = RecordingSink()
        let control = AgentControl()
        let running = Task { await agent(directory, steps: 100_000, pace: 0.002, sink: sink, control: control).run() }
        await eventually { sink.texts.contains { $0.hasPrefix("Checkpoint saved: step 1/") } }
        control.terminate()
        let exit = await running.value
        #expect(exit == AgentExit(code: 143, reason: .terminated))
        let saved = sink.texts.filter { $0.hasPrefix("Checkpoint saved") }.count
        let store = try CheckpointStore(path: directory.path + "/workspace/checkpoints/job_job-1.db", threadID: "job-1")
        #expect(try store.count() == saved)
        #expect(sink.traces.last?.text == "Received SIGTERM: stopping after step \(saved) (checkpoint saved)")
    }

    @Test func aHungAgentOnlyEndsWhenKilled() async throws {
        let directory = TemporaryDirectory("sim-agent")
        let sink = RecordingSink()
        let running = Task {
            await agent(directory, steps: 3, faults: FaultPlan([.init(kind: .hang, step: 2)]), sink: sink).run()
        }
        await eventually { sink.texts.contains { $0.hasPrefix("Checkpoint saved: step 1/") } }
        running.cancel()
        #expect(await running.value == AgentExit(code: 137, reason: .killed))
    }

    @Test func badConfigurationExits2WithALine() async {
        let sink = RecordingSink()
        let exit = await SimAgent.run(environment: ["SIM_AGENT_FAIL": "boom"], sink: sink)
        #expect(exit == AgentExit(code: 2, reason: .configuration))
        #expect(sink.all.first?.line.contains("SIM_AGENT_FAIL") == true)
    }
}
