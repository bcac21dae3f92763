import FlightdeckCore
import Foundation
import NATSClient
import SimAgent

/// An agent's operator commands from its JetStream consumer, as the agent runtime reads
/// them: pulled a few at a time, each acknowledged by the agent once carried out (so one that
/// arrived while the agent was down, or that it received but died before carrying out, comes
/// again). Until the operator's side has made the consumer it asks again every two seconds;
/// on a server without the command stream (an older install) it listens on the core subject.
struct JobCommandSource: CommandSource {
    let connection: NATSConnection
    let stream: String
    let consumer: String

    func commands(forJob jobID: String) -> AsyncStream<CommandDelivery> {
        let (deliveries, continuation) = AsyncStream<CommandDelivery>.makeStream(bufferingPolicy: .bufferingOldest(256))
        let task = Task { [connection, stream, consumer] in
            let jetStream = JetStream(connection: connection)
            while !Task.isCancelled {
                let exists: Bool
                do {
                    exists = try await jetStream.consumerInfo(stream: stream, name: consumer) != nil
                } catch let error as JetStreamError where error.errorCode == JetStreamError.streamNotFound {
                    await Self.listenOnCoreSubject(connection, jobID: jobID, into: continuation)
                    return
                } catch {
                    exists = false  // not connected yet, or no answer: ask again
                }
                guard exists else {
                    try? await Task.sleep(for: .seconds(2))
                    continue
                }
                let puller = PullConsumer(jetStream: jetStream, stream: stream, consumer: consumer, batch: 16)
                do {
                    for try await batch in puller.batches() {
                        for message in batch {
                            guard let issued = IssuedCommand(payload: message.payload) else {
                                try? puller.ack(message)  // not a command: nothing will ever obey it
                                continue
                            }
                            continuation.yield(CommandDelivery(issued) { try? puller.ack(message) })
                        }
                    }
                } catch {
                    // The consumer went away under us: look for it again.
                }
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return deliveries
    }

    private static func listenOnCoreSubject(_ connection: NATSConnection, jobID: String,
        into continuation: AsyncStream<CommandDelivery>.Continuation) async
    {
        guard let subject = OperatorCommand.subject(.commands, forJob: jobID),
            let subscription = try? connection.subscribe(subject)
        else { return }
        for await message in subscription {
            if let issued = IssuedCommand(payload: message.payload) { continuation.yield(CommandDelivery(issued)) }
        }
    }
}
