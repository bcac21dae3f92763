import AgentManifests
import FlightdeckApp
import FlightdeckCore
import FlightdeckTestSupport
import Foundation
import HistoryStore
import NATSAuth
import NATSClient
import Orchestrator
import Testing

/// The bus with identities, end to end on the simulated cluster and the real nats-server in
/// JWT mode: a job submitted with the bus keys gets its own user in its Secret, its agent
/// publishes with it and takes its commands from its queue, and the operator's tools (a user
/// minted from the same keys) keep its trace and steer it.
@Suite(.timeLimit(.minutes(3)),
    .enabled(if: NATSServerProcess.executable != nil, "nats-server is not installed (apt-get install nats-server)"))
struct BusIdentityRunTests {
    struct Bus {
        let keys: BusKeys
        let server: NATSServerProcess
        let fixture: SimulatedClusterFixture
        let settings: ClusterSettings

        init(_ label: String, pace: Double = 1) async throws {
            keys = BusKeys.generate()
            server = try await .trusting(keys)
            fixture = try await SimulatedClusterFixture(label, natsURL: server.url, natsAuthorized: true)
            var settings = ClusterSettings(namespace: fixture.namespace, natsURL: server.url)
            settings.natsKeysPath = fixture.directory.file("nats-keys.json")
            try BusKeyFile.write(keys, to: settings.natsKeysPath!)
            self.settings = settings
        }

        /// The operator's tools: a connection as a user minted from the keys.
        func tools() async throws -> NATSConnection {
            // (A loaded machine can take seconds to answer a JWT handshake.)
            try #require(try await NATSLink.connect(settings, name: "test tools", required: true, configPath: "/c.yaml",
                timeout: .seconds(60)))
        }

        func submit(_ task: AgentTask) async throws {
            _ = try await TaskSubmission.submit(task, secretFilePaths: [:], api: fixture.api, context: "sim",
                settings: settings, queues: QueueConfiguration(), store: fixture.store)
        }

        /// The history keeper, running, as `flightdeck record` runs before agents start: it
        /// makes the trace stream, which keeps what agents publish from then on.
        func keeper() async throws -> Task<Void, Never> {
            let nats = try await NATSLink.options(settings, name: "test keeper")
            let keeper = HistoryKeeper(store: fixture.store, api: fixture.api, options: .init(namespace: fixture.namespace,
                context: "sim", nats: nats, durableName: "test", trace: TraceSettings(startFrom: .all)))
            let running = Task { await keeper.run { _ in } }
            let tools = try await tools()
            try await eventually { try await JetStream(connection: tools).streamInfo(BusNames.traceStream) != nil }
            await tools.close()
            return running
        }

        func texts(_ jobID: String) async throws -> [String] {
            try await fixture.store.reading { try $0.trace(jobID: jobID, after: 0, limit: 10_000) }.map(\.text)
        }

        /// Waits until a record of `jobID` satisfies `match`; after a minute, fails saying what
        /// the trace and the job were.
        func waitFor(_ jobID: String, _ match: @escaping (String) -> Bool) async throws {
            let deadline = ContinuousClock.now + .seconds(60)
            while ContinuousClock.now < deadline {
                if try await texts(jobID).contains(where: match) { return }
                try await Task.sleep(for: .milliseconds(50))
            }
            let job = try await fixture.store.reading { try $0.jobs(JobQuery(name: "agent-" + jobID)) }.first
            Issue.record("no such record after 60 s; job \(job.map { "\($0.status)" } ?? "unknown"), trace: \(try await texts(jobID).suffix(6))")
            throw CancellationError()
        }

        func stop() async { await fixture.stop() }
    }

    static func task(_ index: Int, steps: Int = 6, pace: Double = 2) -> AgentTask {
        var task = DemoScenario.tasks(count: 1, seed: UInt64(100 + index), image: DemoRun.simulatedImage)[0]
        task.uuid = String(format: "%08x-1234-4123-8123-123456789abc", index)
        task.environment["SIM_AGENT_STEPS"] = String(steps)
        task.environment["SIM_AGENT_PACE"] = String(pace)
        task.environment.removeValue(forKey: "SIM_AGENT_FAIL")
        return task
    }

    @Test func aJobsOwnUserCarriesItsTraceIntoHistoryAndItsSecretHoldsOnlyItsCredentials() async throws {
        let bus = try await Bus("flightdeck-bus-trace")
        let task = Self.task(1)
        let running = try await bus.keeper()
        try await bus.submit(task)
        let jobID = TaskManifests.jobID(task)
        let secret = try await bus.fixture.api.get(.secrets, namespace: bus.fixture.namespace, name: TaskManifests.secretName(task))
        let creds = try #require(secret[path: ["data", AgentTask.natsCredentialsKey]]?.stringValue
            .flatMap { Data(base64Encoded: $0) }.map { String(decoding: $0, as: UTF8.self) })
        let credentials = try NATSCredentials(fileText: creds)
        #expect(credentials.jwt.name == "job \(jobID)")
        #expect(credentials.jwt.claims["nats"]?["sub"]?["allow"] == [.string("cmd.agent.\(jobID)"), .string("_INBOX.\(jobID).>")])

        try await bus.waitFor(jobID) { $0.hasPrefix("Done: objective met") }
        let texts = try await bus.texts(jobID)
        for step in 1...6 { #expect(texts.contains { $0.hasPrefix("Step \(step)/6:") }, "step \(step): \(texts.prefix(12))") }
        #expect(texts.contains { $0.hasPrefix("Agent started: job \(jobID)") })
        #expect(Set(texts.filter { $0.hasPrefix("Step ") }).count == texts.filter { $0.hasPrefix("Step ") }.count, "no record twice")
        running.cancel()
        await running.value
        await bus.stop()
    }

    @Test func aCancelSentWhileTheAgentIsDownIsCarriedOutWhenItStarts() async throws {
        let bus = try await Bus("flightdeck-bus-cancel")
        let task = Self.task(2, steps: 40, pace: 20)
        let jobID = TaskManifests.jobID(task)
        let running = try await bus.keeper()
        // No agent runs yet: the command waits in the job's queue.
        let tools = try await bus.tools()
        try await NATSCommandChannel(connection: tools).send(.cancel, toJob: jobID)
        try await bus.submit(task)
        try await bus.waitFor(jobID) { $0.hasPrefix("Cancelled by operator after step") }
        let texts = try await bus.texts(jobID)
        #expect(!texts.contains { $0.hasPrefix("Done:") }, "stopped long before its 40 steps: \(texts.suffix(4))")
        // Acknowledged once carried out: nothing waits in the queue any more.
        try await eventually {
            let info = try await JetStream(connection: tools).consumerInfo(stream: CommandStream.name,
                name: CommandStream.consumerName(forJob: jobID))
            return info?["num_pending"]?.int64Value == 0 && info?["num_ack_pending"]?.int64Value == 0
        }
        running.cancel()
        await running.value
        await tools.close()
        await bus.stop()
    }

    @Test func anInstructionDeliveredTwiceIsCarriedOutOnce() async throws {
        let bus = try await Bus("flightdeck-bus-instruct")
        let task = Self.task(3, steps: 40, pace: 20)
        let jobID = TaskManifests.jobID(task)
        let running = try await bus.keeper()
        try await bus.submit(task)
        try await bus.waitFor(jobID) { $0.contains("Step 1/40") }

        // The same command twice, as a redelivery brings it: one id, two stream messages.
        let tools = try await bus.tools()
        let jetStream = JetStream(connection: tools)
        let instruction = IssuedCommand(.instruct("keep the public API stable"), id: "c-once")
        try await CommandStream.prepare(forJob: jobID, on: jetStream)
        let subject = try #require(OperatorCommand.subject(.commands, forJob: jobID))
        _ = try await jetStream.publish(subject, payload: instruction.payload, messageID: "delivery-1")
        _ = try await jetStream.publish(subject, payload: instruction.payload, messageID: "delivery-2")
        try await bus.waitFor(jobID) { $0.contains("keep the public API stable") }
        // Two more steps: a second copy would have been quoted by now.
        let quotedAt = try await bus.texts(jobID).count
        try await eventually { try await bus.texts(jobID).count > quotedAt + 12 }
        let quotes = try await bus.texts(jobID).map { $0.components(separatedBy: "keep the public API stable").count - 1 }
        #expect(quotes.reduce(0, +) == 1, "quoted once, in one thought")
        try await NATSCommandChannel(connection: tools).send(.cancel, toJob: jobID)
        try await bus.waitFor(jobID) { $0.hasPrefix("Cancelled by operator") }
        running.cancel()
        await running.value
        await tools.close()
        await bus.stop()
    }
}
