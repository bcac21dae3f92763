import FlightdeckCore
import FlightdeckTestSupport
import Foundation
import NATSClient
import Orchestrator
import Testing

/// Operator commands reach `cmd.agent.<id>` on the real nats-server as the agents read them.
@Suite(.timeLimit(.minutes(3)),
    .enabled(if: NATSServerProcess.executable != nil, "nats-server is not installed (apt-get install nats-server)"))
struct NATSCommandChannelTests {
    @Test func commandsArePublishedOnTheAgentsSubject() async throws {
        let server = try await NATSServerProcess()
        let agent = NATSConnection(options: .init(servers: [NATSServerAddress(url: server.url)!]))
        try await agent.connect()
        let inbox = try agent.subscribe("cmd.agent.a7")
        try await agent.flush()
        let cockpit = NATSConnection(options: .init(servers: [NATSServerAddress(url: server.url)!]))
        try await cockpit.connect()
        let channel = NATSCommandChannel(connection: cockpit)
        try await channel.send(.instruct("prefer small diffs"), toJob: "a7")
        try await channel.send(.pause, toJob: "a7")
        var received: [JSONValue] = []
        for await message in inbox {
            received.append(try JSONParser().parse(message.payload))
            if received.count == 2 { break }
        }
        #expect(received[0]["type"]?.stringValue == "instruct")
        #expect(received[0]["text"]?.stringValue == "prefer small diffs")
        #expect(received[1]["type"]?.stringValue == "pause")
        // A job id that would address other subjects is refused.
        await #expect(throws: NATSError.self) { try await channel.send(.cancel, toJob: "a7.>") }
        await agent.close()
        await cockpit.close()
    }
}
