import FlightdeckCore
import Foundation
import NATSAuth
import NATSClient
import SimAgent
import SimCluster
import Synchronization

/// Connects the simulated agents to a real NATS server, as the real ones are.
///
/// - A pod that carries its job's credentials (`NATS_CREDS_FILE`, from the Job's Secret)
///   gets a connection of its own as that job's user: it publishes to `logs.agent.<id>` and
///   `events.agent.<id>` and takes its commands from its JetStream consumer
///   (`JobCommandSource`) — nothing the user's permissions do not allow, so the simulation
///   exercises exactly what a real agent is granted.
/// - On a server without authorization, pods without credentials share one connection, and
///   what operators publish on `cmd.agent.<id>` reaches the agent through the kubelet's
///   command bus. A server that refuses a connection without credentials is one in JWT
///   mode: then there is no shared connection.
public final class NATSAgentBridge: Sendable {
    public let address: NATSServerAddress
    private let shared: Mutex<NATSConnection?>

    public init(url: String, authorized: Bool = false) throws {
        guard let address = NATSServerAddress(url: url) else { throw NATSError.invalidSubject(url) }
        self.address = address
        shared = Mutex(authorized ? nil : NATSConnection(options: .init(servers: [address], name: "flightdeck-sim")))
    }

    /// The shared connection; `nil` on a server that requires credentials.
    public var connection: NATSConnection? { shared.withLock { $0 } }

    /// Connects the shared connection (waiting up to `timeout` for the first connection;
    /// generous, because a machine busy starting a whole cluster can be slow to get to it).
    public func start(timeout: Duration = .seconds(60)) async throws {
        guard let connection else { return }
        do {
            try await connection.connect(timeout: timeout)
        } catch NATSError.refused(_, let message) where message.localizedCaseInsensitiveContains("authorization") {
            // JWT mode: agents connect as their jobs' users.
            shared.withLock { $0 = nil }
            await connection.close()
        }
    }

    /// The link a starting agent pod makes: its own connection when it has credentials, the
    /// shared one otherwise, none when it has neither (its trace then goes by its log only).
    public func link(_ request: AgentBusRequest) -> AgentBusLink? {
        guard OperatorCommand.isValidJobID(request.jobID) else { return nil }
        if let path = request.environment["NATS_CREDS_FILE"] {
            // The file's mode is the pod's (the Secret volume's defaultMode), not ours to judge.
            guard let text = try? String(contentsOfFile: request.resolvePath(path), encoding: .utf8),
                let credentials = try? NATSCredentials(fileText: text)
            else { return nil }
            let own = NATSConnection(options: .init(servers: [address], credentials: credentials.proof,
                inboxPrefix: request.environment["NATS_INBOX_PREFIX"] ?? BusNames.inboxPrefix(forJob: request.jobID),
                name: "agent \(request.jobID)"))
            own.start()
            let consumer = request.environment["NATS_COMMANDS_CONSUMER"] ?? CommandStream.consumerName(forJob: request.jobID)
            return AgentBusLink(sink: Publisher(connection: own, jobID: request.jobID),
                commands: JobCommandSource(connection: own, stream: request.environment["NATS_COMMANDS_STREAM"]
                    ?? CommandStream.name, consumer: consumer),
                close: {
                    // What the agent said last (its status) is still queued: out before hanging up.
                    try? await own.flush(timeout: .seconds(5))
                    await own.close()
                })
        }
        return connection.map { AgentBusLink(sink: Publisher(connection: $0, jobID: request.jobID)) }
    }

    struct Publisher: TraceSink {
        let connection: NATSConnection
        let jobID: String

        func emit(_ emission: AgentEmission) {
            guard let subject = OperatorCommand.subject(emission.channel, forJob: jobID) else { return }
            // Never waits: while NATS is away the connection holds what it can.
            try? connection.publish(subject, payload: Array(emission.line.utf8))
        }
    }

    /// Forwards `cmd.agent.<id>` messages on the shared connection to the agents until
    /// cancelled; `nil` on a server that requires credentials (each agent reads its own).
    public func forwardCommands(to bus: CommandBus) throws -> Task<Void, Never>? {
        guard let connection else { return nil }
        let subscription = try connection.subscribe("cmd.agent.*")
        return Task {
            for await message in subscription {
                guard let jobID = message.subject.split(separator: ".").last.map(String.init),
                    let command = OperatorCommand(payload: message.payload)
                else { continue }
                _ = bus.publish(command, toJob: jobID)
            }
        }
    }

    public func stop() async { await connection?.close() }
}
