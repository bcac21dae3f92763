import FlightdeckCore
import FlightdeckTestSupport
import Foundation
import KubeClient
import KubeModel
import NATSClient
import SimCluster
import SimServer
import Testing

/// With a NATS URL, the simulated agents publish their trace to the real nats-server and
/// obey commands published there, as real agents do.
@Suite(.timeLimit(.minutes(2)),
    .enabled(if: NATSServerProcess.executable != nil, "nats-server is not installed (apt-get install nats-server)"))
struct NATSAgentsTests {
    @Test func agentsPublishTheirTraceAndTakeCommandsOverNATS() async throws {
        let server = try await NATSServerProcess()
        let directory = TemporaryDirectory("flightdeck-nats-agents")
        let sim = try await SimulatedCluster.start(.init(dataDirectory: URL(fileURLWithPath: directory.file("data")),
            timing: SimTiming(scale: 0.05), natsURL: server.url))
        let cockpit = NATSConnection(options: .init(servers: [NATSServerAddress(url: server.url)!]))
        try await cockpit.connect(timeout: .seconds(60))
        let trace = try cockpit.subscribe("logs.agent.natsy")
        try await cockpit.flush()

        _ = try sim.store.create([
            "apiVersion": "v1", "kind": "Pod", "metadata": ["name": "natsy"],
            "spec": ["restartPolicy": "Never", "containers": [["name": "agent", "image": "sim-agent", "env": [
                ["name": "JOB_ID", "value": "natsy"], ["name": "SIM_AGENT_STEPS", "value": "40"],
                ["name": "SIM_AGENT_PACE", "value": "2"],
            ]]]],
        ], type: .pods, namespace: "agents")

        let parser = TraceLineParser()
        var kinds: Set<TraceKind> = []
        var instructed = false
        var sawInstruction = false
        for await message in trace {
            let record = parser.parse(message.payload, jobID: "natsy", sourceID: "\(kinds.count)", receivedAt: Date())
            kinds.insert(record.kind)
            if !instructed, kinds.contains(.action) {
                try cockpit.publish("cmd.agent.natsy", payload: OperatorCommand.instruct("keep the public API stable").payload)
                instructed = true
            }
            if record.text.contains("keep the public API stable") {
                sawInstruction = true
                break
            }
        }
        #expect(kinds.contains(.thought))
        #expect(kinds.contains(.action))
        #expect(sawInstruction, "the instruction published on cmd.agent.natsy reached the agent")
        await cockpit.close()
        await sim.stop()
    }
}
