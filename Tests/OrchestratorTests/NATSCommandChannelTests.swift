import FlightdeckCore
import FlightdeckTestSupport
import Foundation
import NATSClient
import Orchestrator
import Testing

/// Operator commands go into the job's JetStream queue on the real nats-server: they wait
/// there for an agent that is not running, each with an id of its own, and a retried publish
/// is stored once.
@Suite(.timeLimit(.minutes(3)),
    .enabled(if: NATSServerProcess.executable != nil, "nats-server is not installed (apt-get install nats-server)"))
struct NATSCommandChannelTests {
    @Test func commandsWaitInTheJobsQueueUntilItsAgentReadsThem() async throws {
        let server = try await NATSServerProcess(jetStream: true)
        let cockpit = NATSConnection(options: .init(servers: [NATSServerAddress(url: server.url)!]))
        try await cockpit.connect()
        let channel = NATSCommandChannel(connection: cockpit)
        // No agent listens yet.
        try await channel.send(.instruct("prefer small diffs"), toJob: "a7")
        try await channel.send(.pause, toJob: "a7")
        try await channel.send(.cancel, toJob: "other")

        let agent = NATSConnection(options: .init(servers: [NATSServerAddress(url: server.url)!]))
        try await agent.connect()
        let queue = PullConsumer(jetStream: JetStream(connection: agent), stream: CommandStream.name,
            consumer: CommandStream.consumerName(forJob: "a7"), batch: 10)
        var received: [IssuedCommand] = []
        for try await batch in queue.batches() {
            for message in batch { received.append(try #require(IssuedCommand(payload: message.payload))) }
            try queue.ack(batch)
            if received.count >= 2 { break }
        }
        #expect(received.map(\.command) == [.instruct("prefer small diffs"), .pause], "only a7's, in order")
        #expect(Set(received.compactMap(\.id)).count == 2, "each with an id of its own")

        // A publish retried with the same id is stored once.
        let jetStream = JetStream(connection: cockpit)
        let again = IssuedCommand.issue(.resume)
        try await CommandStream.send(again, toJob: "a7", on: jetStream)
        try await CommandStream.send(again, toJob: "a7", on: jetStream)
        let info = try await jetStream.consumerInfo(stream: CommandStream.name, name: CommandStream.consumerName(forJob: "a7"))
        // Waiting in the queue, or already handed to the agent's last pull request if that is
        // still open at the server: either way, one message.
        let stored = (info?["num_pending"]?.int64Value ?? 0) + (info?["num_ack_pending"]?.int64Value ?? 0)
        #expect(stored == 1, "\(String(describing: info))")

        // A job id that would address other subjects is refused.
        await #expect(throws: NATSError.self) { try await channel.send(.cancel, toJob: "a7.>") }
        await agent.close()
        await cockpit.close()
    }

    @Test func theWireFormCarriesTheIdAndRefusesAMalformedOne() throws {
        let issued = IssuedCommand(.instruct("a \"quoted\"\nline"), id: "c-1")
        #expect(String(decoding: issued.payload, as: UTF8.self) == #"{"type":"instruct","text":"a \"quoted\"\nline","id":"c-1"}"#)
        #expect(IssuedCommand(payload: issued.payload) == issued)
        #expect(IssuedCommand(payload: Array(#"{"type":"pause"}"#.utf8)) == IssuedCommand(.pause, id: nil))
        #expect(IssuedCommand(payload: Array(#"{"type":"pause","id":"a.b"}"#.utf8)) == nil)
        #expect(IssuedCommand(payload: Array(#"{"type":"pause","id":7}"#.utf8)) == nil)
        #expect(IssuedCommand.issue(.pause).id.map(IssuedCommand.isValidID) == true)
    }
}
