import FlightdeckCore
import FlightdeckTestSupport
import Foundation
import NATSClient
import Testing

@testable import NATSAuth

/// The identities against the real nats-server in JWT mode: each denial is the server's own
/// permission error, and the operator's tools can do all they need.
@Suite(.enabled(if: NATSServerProcess.executable != nil, "needs nats-server (Debian's package)"))
struct BusAuthorizationTests {
    /// A nats-server trusting `keys`' operator, JetStream on, a full resolver in its directory.
    static func server(_ keys: BusKeys) async throws -> NATSServerProcess { try await .trusting(keys) }

    static func connect(_ server: NATSServerProcess, _ credentials: NATSCredentials, inboxPrefix: String = "_INBOX")
        async throws -> NATSConnection
    {
        let connection = NATSConnection(options: .init(servers: [NATSServerAddress(url: server.url)!],
            credentials: credentials.proof, inboxPrefix: inboxPrefix, reconnectWait: .milliseconds(50)))
        try await connection.connect(timeout: .seconds(20))
        return connection
    }

    static func operatorTools(_ keys: BusKeys) -> NATSCredentials {
        keys.user(name: "operator", permissions: .operatorTools, expires: Date().addingTimeInterval(3600))
    }

    /// The next server error within a few seconds (after `action`), or nil.
    static func serverError(on connection: NATSConnection, after action: () async throws -> Void) async throws -> String? {
        let errors = connection.serverErrors()
        try await action()
        try? await connection.flush(timeout: .seconds(5))
        return await withTaskGroup(of: String?.self) { group in
            group.addTask {
                for await error in errors { return error }
                return nil
            }
            group.addTask {
                try? await Task.sleep(for: .seconds(5))
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }

    static func makeStreams(_ connection: NATSConnection) async throws {
        let jetStream = JetStream(connection: connection)
        _ = try await jetStream.ensureStream(StreamConfig(name: BusNames.traceStream, subjects: ["logs.agent.>", "events.agent.>"]))
    }

    @Test func anAgentReachesOnlyItsOwnSubjects() async throws {
        let keys = BusKeys.generate()
        let server = try await Self.server(keys)
        let operatorConnection = try await Self.connect(server, Self.operatorTools(keys))
        try await Self.makeStreams(operatorConnection)

        let a = try #require(keys.jobUser("agent-a", expires: Date().addingTimeInterval(600)))
        let agent = try await Self.connect(server, a, inboxPrefix: BusNames.inboxPrefix(forJob: "agent-a"))

        // Its own trace, as a JetStream publish: stored, acknowledged on its own inbox.
        let ack = try await agent.request("logs.agent.agent-a", payload: Array(#"{"kind":"thought","text":"hi"}"#.utf8))
        #expect(try JSONParser(maxDepth: 4).parse(ack.payload)["stream"]?.stringValue == BusNames.traceStream)

        let denials: [(String, () async throws -> Void)] = [
            ("Publish to \"logs.agent.agent-b\"", { try agent.publish("logs.agent.agent-b", payload: Array("forged".utf8)) }),
            ("Publish to \"events.agent.agent-b\"", { try agent.publish("events.agent.agent-b", payload: Array("{}".utf8)) }),
            ("Publish to \"cmd.agent.agent-b\"", { try agent.publish("cmd.agent.agent-b", payload: Array(#"{"type":"cancel"}"#.utf8)) }),
            ("Subscription to \"logs.agent.>\"", { _ = try agent.subscribe("logs.agent.>") }),
            ("Subscription to \"cmd.agent.agent-b\"", { _ = try agent.subscribe("cmd.agent.agent-b") }),
            ("Subscription to \"_INBOX.>\"", { _ = try agent.subscribe("_INBOX.>") }),
            ("Publish to \"$JS.API.STREAM.DELETE.FLIGHTDECK_TRACE\"", {
                try agent.publish("$JS.API.STREAM.DELETE.FLIGHTDECK_TRACE", payload: [], replyTo: "_INBOX.agent-a.x")
            }),
            ("Publish to \"$JS.API.CONSUMER.DURABLE.CREATE.FLIGHTDECK_TRACE.spy\"", {
                try agent.publish("$JS.API.CONSUMER.DURABLE.CREATE.FLIGHTDECK_TRACE.spy",
                    payload: Array(#"{"stream_name":"FLIGHTDECK_TRACE","config":{"durable_name":"spy"}}"#.utf8),
                    replyTo: "_INBOX.agent-a.x")
            }),
            ("Publish to \"$JS.API.CONSUMER.CREATE.FLIGHTDECK_TRACE\"", {
                try agent.publish("$JS.API.CONSUMER.CREATE.FLIGHTDECK_TRACE", payload: Array("{}".utf8), replyTo: "_INBOX.agent-a.x")
            }),
            ("Publish to \"$JS.API.STREAM.INFO.FLIGHTDECK_TRACE\"", {
                try agent.publish("$JS.API.STREAM.INFO.FLIGHTDECK_TRACE", payload: [], replyTo: "_INBOX.agent-a.x")
            }),
        ]
        for (expected, action) in denials {
            let error = try await Self.serverError(on: agent, after: action)
            #expect(error?.contains("Permissions Violation for \(expected)") == true, "\(expected): the server said \(error ?? "nothing")")
        }
        // The stream still holds exactly the one record, and the connection survived.
        let info = try await JetStream(connection: operatorConnection).streamInfo(BusNames.traceStream)
        #expect(info?["state"]?["messages"]?.int64Value == 1)
        if case .connected = agent.state {} else { Issue.record("the agent's connection dropped: \(agent.state)") }
        await agent.close()
        await operatorConnection.close()
    }

    @Test func theOperatorsToolsDoAllTheyNeedButDeleteOrPurge() async throws {
        let keys = BusKeys.generate()
        let server = try await Self.server(keys)
        let tools = try await Self.connect(server, Self.operatorTools(keys))
        let jetStream = JetStream(connection: tools)
        try await Self.makeStreams(tools)
        _ = try await jetStream.ensureStream(StreamConfig(name: CommandStream.name, subjects: ["cmd.agent.>"],
            retention: .workQueue))
        #expect(try await jetStream.ensureConsumer(stream: BusNames.traceStream,
            ConsumerConfig(durableName: "cockpit-1", ackPolicy: .all)))
        let agentCredentials = try #require(keys.jobUser("agent-a", expires: Date().addingTimeInterval(600)))
        let agent = try await Self.connect(server, agentCredentials, inboxPrefix: BusNames.inboxPrefix(forJob: "agent-a"))
        _ = try await agent.request("logs.agent.agent-a", payload: Array("line".utf8))

        // Reads the trace through its consumer, and acks.
        let consumer = PullConsumer(jetStream: jetStream, stream: BusNames.traceStream, consumer: "cockpit-1", batch: 10)
        var iterator = consumer.batches().makeAsyncIterator()
        let batch = try #require(try await iterator.next())
        #expect(batch.first.map { String(decoding: $0.payload, as: UTF8.self) } == "line")
        try consumer.ack(batch)

        // Sends commands.
        let noError = try await Self.serverError(on: tools) {
            try tools.publish("cmd.agent.agent-a", payload: Array(#"{"type":"pause","id":"c1"}"#.utf8))
        }
        #expect(noError == nil, "the server said \(noError ?? "")")

        // Deleting or purging a stream is refused even to the operator's tools.
        for subject in ["$JS.API.STREAM.DELETE.FLIGHTDECK_TRACE", "$JS.API.STREAM.PURGE.FLIGHTDECK_TRACE"] {
            let error = try await Self.serverError(on: tools) { try tools.publish(subject, payload: [], replyTo: tools.newInbox()) }
            #expect(error?.contains("Permissions Violation for Publish to \"\(subject)\"") == true, "\(subject): \(error ?? "nothing")")
        }
        #expect(try await jetStream.streamInfo(BusNames.traceStream) != nil)
        await agent.close()
        await tools.close()
    }

    @Test func expiredAndRevokedCredentialsAreRefused() async throws {
        var keys = BusKeys.generate()
        let server = try await Self.server(keys)
        let expired = keys.user(name: "late", permissions: .operatorTools, expires: Date().addingTimeInterval(-5),
            now: Date().addingTimeInterval(-60))
        await #expect {
            _ = try await Self.connect(server, expired)
        } throws: { error in
            "\(error)".contains("Authorization Violation")
        }

        let job = try #require(keys.jobUser("agent-r", expires: Date().addingTimeInterval(600)))
        let running = try await Self.connect(server, job, inboxPrefix: BusNames.inboxPrefix(forJob: "agent-r"))
        let states = running.states()
        keys.revoke(user: job.key.publicKey, now: Date().addingTimeInterval(1))
        try await AccountUpdate.push(keys, to: [NATSServerAddress(url: server.url)!])
        // The server closes the revoked user's connection, and refuses it from then on.
        var dropped = false
        for await state in states {
            if case .reconnecting(let reason, _) = state {
                dropped = true
                if reason.contains("Authorization Violation") || reason.contains("closed") { break }
            }
        }
        #expect(dropped)
        await running.close()
        await #expect {
            _ = try await Self.connect(server, job)
        } throws: { error in
            "\(error)".contains("Authorization Violation")
        }
        // Another job's credentials from the same key still work.
        let other = try #require(keys.jobUser("agent-s", expires: Date().addingTimeInterval(600)))
        await try Self.connect(server, other, inboxPrefix: BusNames.inboxPrefix(forJob: "agent-s")).close()
    }

    @Test func rotationKeepsRunningJobsWorkingUntilTheirKeyIsDropped() async throws {
        var keys = BusKeys.generate()
        let server = try await Self.server(keys)
        let before = try #require(keys.jobUser("agent-old", expires: Date().addingTimeInterval(600)))
        keys.rotate()
        try await AccountUpdate.push(keys, to: [NATSServerAddress(url: server.url)!])
        let after = try #require(keys.jobUser("agent-new", expires: Date().addingTimeInterval(600)))
        #expect(after.jwt.issuer != before.jwt.issuer)
        await try Self.connect(server, before, inboxPrefix: "_INBOX.agent-old").close()
        await try Self.connect(server, after, inboxPrefix: "_INBOX.agent-new").close()
        keys.rotate()
        keys.rotate()  // the first signing key is gone now
        try await AccountUpdate.push(keys, to: [NATSServerAddress(url: server.url)!])
        await #expect {
            _ = try await Self.connect(server, before)
        } throws: { error in
            "\(error)".contains("Authorization Violation")
        }
    }

    @Test func aServerNotInJWTModeIsRefusedInOneLine() async throws {
        let server = try await NATSServerProcess()
        let credentials = Self.operatorTools(BusKeys.generate())
        await #expect {
            _ = try await Self.connect(server, credentials)
        } throws: { error in
            "\(error)".contains("not in JWT mode") && !"\(error)".contains("\n")
        }
    }
}
