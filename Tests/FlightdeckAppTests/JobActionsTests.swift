import AgentManifests
import FlightdeckApp
import FlightdeckCore
import FlightdeckTestSupport
import Foundation
import HistoryStore
import KubeClient
import KubeModel
import NATSAuth
import NATSClient
import Orchestrator
import Testing

/// `flightdeck jobs delete|pin|cancel|steer|retry` against the simulated cluster and a real
/// history file: each confirms in one line, each failure is one line naming the Job.
@Suite(.timeLimit(.minutes(3))) struct JobActionsTests {
    static func task(_ uuid: String, prompt: String = "Fix it") -> AgentTask {
        AgentTask(uuid: uuid, image: "ghcr.io/flightdeck/sim-agent:1", prompt: prompt, environment: ["SIM_AGENT_STEPS": "200"])
    }

    /// Submits `task` as `flightdeck submit` does (recorded in history, with what a retry needs).
    static func submit(_ task: AgentTask, _ fixture: SimulatedClusterFixture) async throws {
        _ = try await TaskSubmission.submit(task, secretFilePaths: [:], api: fixture.api, context: "sim",
            settings: ClusterSettings(namespace: fixture.namespace), queues: QueueConfiguration(), store: fixture.store)
    }

    @Test func pinRetryAndDeleteSayWhatTheyDid() async throws {
        let fixture = try await SimulatedClusterFixture("flightdeck-jobactions")
        let task = Self.task("12345678-1234-4123-8123-123456789abc")
        try await Self.submit(task, fixture)
        let name = TaskManifests.jobName(task)
        let actions = JobActions(api: fixture.api, namespace: fixture.namespace, context: "sim")

        #expect(try await actions.pin(name) == "job.batch/\(name) pinned")
        let pinned = try await fixture.api.get(.jobs, namespace: fixture.namespace, name: name)
        #expect(pinned[path: ["metadata", "annotations", "flightdeck.dev/pinned"]]?.stringValue == "true")
        #expect(pinned[path: ["spec", "ttlSecondsAfterFinished"]] == nil)

        let retried = try await actions.retry(name, prompt: nil, settings: ClusterSettings(namespace: fixture.namespace),
            queues: QueueConfiguration(), store: fixture.store)
        #expect(retried.hasPrefix("job.batch/agent-"))
        #expect(retried.hasSuffix("started: a retry of \(name), restoring from job \(TaskManifests.jobID(task))"))
        let recorded = try await fixture.store.reading { try $0.jobs(JobQuery(namespace: "agents")) }
        #expect(recorded.count == 2)
        let second = try #require(recorded.first { $0.name != name })
        #expect(retried.hasPrefix("job.batch/\(second.name) started"))
        _ = try await fixture.api.get(.jobs, namespace: fixture.namespace, name: second.name)  // it is in the cluster

        #expect(try await actions.delete(name) == "job.batch/\(name) deleted (its pods, workspace claim and Secret follow)")
        await #expect(throws: OperatorError("jobs.batch \"\(name)\" not found")) { try await actions.delete(name) }
        await fixture.stop()
    }

    /// Deleting a job must not need the right to read Secrets: its NATS user then cannot be
    /// named, and the line says it was not revoked.
    @Test func deletingWithoutTheRightToReadSecretsSaysTheUserIsNotRevoked() async throws {
        let fixture = try await SimulatedClusterFixture("flightdeck-jobdelete-rbac")
        var settings = ClusterSettings(namespace: fixture.namespace)
        settings.natsKeysPath = fixture.directory.file("nats-keys.json")
        try BusKeyFile.write(BusKeys.generate(), to: settings.natsKeysPath!)
        let task = Self.task("dddddddd-1234-4123-8123-123456789abc")
        _ = try await TaskSubmission.submit(task, secretFilePaths: [:], api: fixture.api, context: "sim",
            settings: settings, queues: QueueConfiguration(), store: fixture.store)
        _ = try await fixture.api.create(.roles, namespace: fixture.namespace, [
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": ["name": "reaper"],
            "rules": [["apiGroups": ["batch"], "resources": ["jobs"], "verbs": ["get", "list", "delete"]]],
        ])
        _ = try await fixture.api.create(.roleBindings, namespace: fixture.namespace, [
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": ["name": "reaper"],
            "roleRef": ["apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "reaper"],
            "subjects": [["kind": "User", "name": "reaper", "apiGroup": "rbac.authorization.k8s.io"]],
        ])
        let path = fixture.directory.file("reaper.yaml")
        try fixture.sim.writeKubeconfig(user: "reaper", to: URL(fileURLWithPath: path))
        let connection = try SimulatedClusterFixture.loader(home: fixture.directory.path).load(kubeconfig: path)
        let actions = JobActions(api: KubeAPI(connection: connection), namespace: fixture.namespace)
        let name = TaskManifests.jobName(task)
        #expect(try await actions.delete(name, settings: settings) == "job.batch/\(name) deleted (its pods, workspace claim and "
            + "Secret follow); its NATS user is not revoked (not allowed to read its Secret \(name)-task): "
            + "its credentials work until they expire")
        #expect(try BusKeyFile.read(settings.natsKeysPath!).revocations.isEmpty)
        await fixture.stop()
    }

    @Test func aRetryNeedsWhatHistoryKept() async throws {
        let fixture = try await SimulatedClusterFixture("flightdeck-jobretry")
        let actions = JobActions(api: fixture.api, namespace: fixture.namespace)
        let settings = ClusterSettings(namespace: fixture.namespace)
        await #expect(throws: OperatorError("history has no job agent-nope in agents")) {
            try await actions.retry("agent-nope", prompt: nil, settings: settings, queues: QueueConfiguration(), store: fixture.store)
        }
        // A prompt that held a secret was kept redacted: it must be given again.
        let secretive = Self.task("aaaaaaaa-1234-4123-8123-123456789abc", prompt: "use token ghp_abcdefghijklmnopqrstuvwxyz0123456789")
        try await Self.submit(secretive, fixture)
        let refused = await #expect(throws: OperatorError.self) {
            try await actions.retry(TaskManifests.jobName(secretive), prompt: nil, settings: settings,
                queues: QueueConfiguration(), store: fixture.store)
        }
        #expect(refused?.message.contains("pass the prompt again") == true)
        let line = try await actions.retry(TaskManifests.jobName(secretive), prompt: "the token is in the Secret",
            settings: settings, queues: QueueConfiguration(), store: fixture.store)
        #expect(line.contains("a retry of \(TaskManifests.jobName(secretive))"))
        await fixture.stop()
    }

    @Test func withoutNATSCancelDeletesAtOnceAndSteeringIsRefused() async throws {
        let fixture = try await SimulatedClusterFixture("flightdeck-jobcancel")
        let task = Self.task("bbbbbbbb-1234-4123-8123-123456789abc")
        try await Self.submit(task, fixture)
        let name = TaskManifests.jobName(task)
        let actions = JobActions(api: fixture.api, namespace: fixture.namespace)
        await #expect(throws: OperatorError("cannot steer \(TaskManifests.jobID(task)): no command channel (NATS is not configured)")) {
            try await actions.steer(name, .pause)
        }
        #expect(try await actions.cancel(name, grace: .zero) == "job.batch/\(name) cancelled")
        let gone = await #expect(throws: OperatorError.self) { try await actions.cancel(name, grace: .zero) }
        #expect(gone?.message == "jobs.batch \"\(name)\" not found")
        await fixture.stop()
    }

    @Test(.enabled(if: NATSServerProcess.executable != nil, "nats-server is not installed (apt-get install nats-server)"))
    func steeringReachesTheAgentsSubjectOverNATS() async throws {
        let server = try await NATSServerProcess(jetStream: true)
        let fixture = try await SimulatedClusterFixture("flightdeck-jobsteer")
        let task = Self.task("cccccccc-1234-4123-8123-123456789abc")
        try await Self.submit(task, fixture)
        let agent = NATSConnection(options: .init(servers: [try #require(NATSServerAddress(url: server.url))]))
        try await agent.connect()
        let inbox = try agent.subscribe("cmd.agent.\(TaskManifests.jobID(task))")
        try await agent.flush()

        let nats = try #require(try await NATSLink.connect(ClusterSettings(natsURL: server.url), required: true, configPath: "/etc/flightdeck.yaml"))
        let actions = JobActions(api: fixture.api, namespace: fixture.namespace, nats: nats)
        let name = TaskManifests.jobName(task)
        #expect(try await actions.steer(name, .instruct("prefer small diffs")) == "instruct sent to \(name)")
        #expect(try await actions.steer(name, .pause) == "pause sent to \(name)")
        var received: [JSONValue] = []
        for await message in inbox {
            received.append(try JSONParser().parse(message.payload))
            if received.count == 2 { break }
        }
        #expect(received.map { $0["type"]?.stringValue } == ["instruct", "pause"])
        #expect(received.first?["text"]?.stringValue == "prefer small diffs")
        await #expect(throws: OperatorError("jobs.batch \"agent-nope\" not found")) { try await actions.steer("agent-nope", .resume) }
        await nats.close()
        await agent.close()
        await fixture.stop()
    }

    @Test func steeringWordsAreParsedOrRefusedInOneLine() throws {
        #expect(try JobActions.steering("pause", text: []) == .pause)
        #expect(try JobActions.steering("resume", text: ["ignored"]) == .resume)
        #expect(try JobActions.steering("instruct", text: ["prefer", "small", "diffs"]) == .instruct("prefer small diffs"))
        #expect(throws: OperatorError("instruct needs the instruction: jobs steer NAME instruct TEXT…")) {
            try JobActions.steering("instruct", text: [])
        }
        let unknown = #expect(throws: OperatorError.self) { try JobActions.steering("halt\u{1B}[2J", text: []) }
        #expect(unknown?.message.hasPrefix("unknown steer command halt") == true)
        #expect(unknown?.message.contains("\u{1B}") == false)
    }

    @Test func natsIsOptionalOrRequiredAsTheCommandNeedsIt() async throws {
        #expect(try NATSLink.options(url: nil, name: "x") == nil)
        #expect(throws: OperatorError("not a NATS URL: http://example.com")) { try NATSLink.options(url: "http://example.com", name: "x") }
        #expect(try await NATSLink.connect(ClusterSettings(), required: false, configPath: "/c.yaml") == nil)
        await #expect(throws: OperatorError("no NATS server reachable from here: pass --nats-url or set cluster.nats.url in /c.yaml")) {
            _ = try await NATSLink.connect(ClusterSettings(), required: true, configPath: "/c.yaml")
        }
        // Nothing listens on the discard port: optional means no channel, required means one line.
        #expect(try await NATSLink.connect(ClusterSettings(natsURL: "nats://127.0.0.1:9"), required: false, configPath: "/c.yaml", timeout: .seconds(2)) == nil)
        await #expect(throws: OperatorError.self) {
            _ = try await NATSLink.connect(ClusterSettings(natsURL: "nats://127.0.0.1:9"), required: true, configPath: "/c.yaml", timeout: .seconds(2))
        }
    }
}

/// The line `flightdeck submit` confirms with.
@Suite struct SubmissionConfirmationTests {
    @Test func eachOutcomeSaysWhatHappenedToTheTask() {
        let task = JobActionsTests.task("99999999-8888-4777-8666-555555555555")
        #expect(TaskSubmission.confirmation(.started(uid: "u"), task: task)
            == "job.batch/agent-999999998888 started (task 99999999-8888-4777-8666-555555555555)")
        #expect(TaskSubmission.confirmation(.resumed(uid: "u"), task: task)
            == "job.batch/agent-999999998888 started: finished an earlier submission of task 99999999-8888-4777-8666-555555555555")
        #expect(TaskSubmission.confirmation(.alreadyRunning(uid: "u"), task: task)
            == "job.batch/agent-999999998888 is already running task 99999999-8888-4777-8666-555555555555: nothing to do")
    }
}
