/// Why a NATS operation failed, as one sentence.
public enum NATSError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The server refused us (`-ERR` during the handshake: authorization, TLS required).
    case refused(server: String, message: String)
    case timeout(String)
    /// A request found no subscriber on its subject.
    case noResponders(subject: String)
    case closed
    case invalidSubject(String)
    /// The publish buffer of a disconnected client is full.
    case bufferFull

    public var description: String {
        switch self {
        case .refused(let server, let message): "\(server) refused the connection: \(message)"
        case .timeout(let what): "timed out waiting for \(what)"
        case .noResponders(let subject): "nothing answers on \(subject) (is JetStream enabled on the server?)"
        case .closed: "the NATS connection is closed"
        case .invalidSubject(let subject): "not a valid NATS subject: \(subject.debugDescription)"
        case .bufferFull: "the NATS server is unreachable and the publish buffer is full"
        }
    }
}
