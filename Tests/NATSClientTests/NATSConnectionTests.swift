import FlightdeckTestSupport
import Foundation
import Testing
@testable import NATSClient

/// The client against the real nats-server: publish/subscribe with headers, the three
/// ways to authenticate, a server killed and restarted, a link that freezes.
@Suite(.timeLimit(.minutes(2)),
    .enabled(if: NATSServerProcess.executable != nil, "nats-server is not installed (apt-get install nats-server)"))
struct NATSConnectionTests {
    func connection(_ url: String, _ configure: (inout NATSConnection.Options) -> Void = { _ in }) -> NATSConnection {
        var options = NATSConnection.Options(servers: [NATSServerAddress(url: url)!], reconnectWait: .milliseconds(50),
            maxReconnectWait: .milliseconds(300))
        configure(&options)
        return NATSConnection(options: options)
    }

    func first(_ subscription: NATSSubscription, count: Int) async -> [NATSMessage] {
        var messages: [NATSMessage] = []
        for await message in subscription {
            messages.append(message)
            if messages.count == count { break }
        }
        return messages
    }

    @Test func publishesAndReceivesWithHeaders() async throws {
        let server = try await NATSServerProcess()
        let nats = connection(server.url)
        try await nats.connect()
        let subscription = try nats.subscribe("logs.agent.>")
        try await nats.flush()
        try nats.publish("logs.agent.a7", payload: Array("hello".utf8))
        try nats.publish("logs.agent.b2", payload: Array("with headers".utf8),
            headers: NATSHeaders(fields: [("Nats-Msg-Id", "b2-1")]))
        let messages = await first(subscription, count: 2)
        #expect(messages.map(\.subject) == ["logs.agent.a7", "logs.agent.b2"])
        #expect(messages[0].payload == Array("hello".utf8))
        #expect(messages[1].headers?["nats-msg-id"] == "b2-1")
        #expect(throws: NATSError.self) { try nats.publish("bad subject", payload: []) }
        #expect(throws: NATSError.self) { try nats.publish("logs.*", payload: []) }
        await nats.close()
    }

    @Test func userPasswordAndTokenAuthentication() async throws {
        let users = try await NATSServerProcess(extra: ["--user", "cockpit", "--pass", "s3cret"])
        let good = connection("nats://cockpit:s3cret@127.0.0.1:\(users.port)")
        try await good.connect(timeout: .seconds(30))
        await good.close()
        let bad = connection(users.url) { $0.user = "cockpit"; $0.password = "wrong" }
        do {
            try await bad.connect(timeout: .seconds(5))
            Issue.record("expected a refusal")
        } catch let error as NATSError {
            #expect(error.description.contains("Authorization Violation"), "\(error)")
        }
        await bad.close()

        let tokens = try await NATSServerProcess(extra: ["--auth", "t0ken"])
        let token = connection(tokens.url) { $0.token = "t0ken" }
        try await token.connect(timeout: .seconds(30))
        await token.close()
    }

    @Test func aRestartedServerGetsTheSubscriptionBackAndWhatWasPublishedMeanwhile() async throws {
        let server = try await NATSServerProcess()
        let nats = connection(server.url)
        try await nats.connect()
        let subscription = try nats.subscribe("cmd.agent.a7")
        try await nats.flush()
        server.kill()
        try await eventually { if case .reconnecting = nats.state { true } else { false } }
        // Published while down: held, then sent on the next connection.
        try nats.publish("cmd.agent.a7", payload: Array("{\"type\":\"pause\"}".utf8))
        try await server.start()
        let messages = await first(subscription, count: 1)
        #expect(messages.first?.payload == Array("{\"type\":\"pause\"}".utf8))
        await nats.close()
    }

    @Test func aFrozenLinkIsDetectedByMissedPongsAndReplaced() async throws {
        let server = try await NATSServerProcess()
        let proxy = try FreezingProxy(target: server.port)
        defer { proxy.stop() }
        let nats = connection("nats://127.0.0.1:\(proxy.port)") { $0.pingInterval = .milliseconds(200) }
        try await nats.connect()
        let subscription = try nats.subscribe("events.agent.x")
        try await nats.flush()
        try await proxy.freeze()
        try await eventually { if case .reconnecting = nats.state { true } else { false } }
        try await eventually { if case .connected = nats.state { true } else { false } }
        try nats.publish("events.agent.x", payload: Array("after".utf8))
        let messages = await first(subscription, count: 1)
        #expect(messages.first?.payload == Array("after".utf8))
        #expect(try proxy.connectionCount() >= 2)
        await nats.close()
    }

    @Test func aRequestNobodyAnswersSaysSo() async throws {
        let server = try await NATSServerProcess()
        let nats = connection(server.url)
        try await nats.connect()
        await #expect(throws: NATSError.noResponders(subject: "nobody.home")) {
            _ = try await nats.request("nobody.home", payload: [], timeout: .seconds(5))
        }
        await nats.close()
    }
}
