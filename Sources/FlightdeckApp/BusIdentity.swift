import AgentManifests
import FlightdeckCore
import Foundation
import NATSAuth
import NATSClient

/// Who Flightdeck is on the message bus, from this machine's settings:
/// - with the bus keys (`cluster.nats.keys`, or the default file when it exists), it mints
///   its own user afresh for every connection (the operator's tools: read the trace, make
///   consumers, send commands; never delete), and each job's user at submit;
/// - with a `.creds` file (`cluster.nats.credentials`), it connects as that user;
/// - with neither, it connects without credentials (a bus without identities).
public struct BusIdentity: Sendable {
    public enum Source: Sendable {
        case keys(BusKeys, path: String)
        case credentials(NATSCredentials, path: String)
    }

    public let source: Source

    /// How long an operator tool's user lives: minted again at every connection.
    static let toolLifetime: TimeInterval = 12 * 3600
    /// A job's credentials outlive its deadline by this much (the last records, a slow
    /// shutdown); without a deadline they last `BusKeys.longestCredential`.
    public static let jobMargin: TimeInterval = 3600

    /// The identity `settings` name; `nil` for none. A named file that is missing, open to
    /// others or damaged is one line naming it. Reads files: call off the cooperative pool.
    public static func load(_ settings: ClusterSettings) throws -> BusIdentity? {
        do {
            if let path = settings.natsCredentialsPath {
                return BusIdentity(source: .credentials(try NATSCredentials.read(path), path: path))
            }
            if let path = settings.natsKeysPath {
                return BusIdentity(source: .keys(try BusKeyFile.read(path), path: path))
            }
        } catch {
            throw OperatorError(error.description)
        }
        return nil
    }

    /// For `NATSConnection.Options.credentials`: a fresh operator-tool user per connection
    /// (keys), or the credentials file's user.
    public func proof(name: String) -> @Sendable (String) throws -> NATSUserProof {
        switch source {
        case .credentials(let credentials, _):
            return credentials.proof
        case .keys(let keys, _):
            return { nonce in
                let user = keys.user(name: name, permissions: .operatorTools, expires: Date().addingTimeInterval(Self.toolLifetime))
                return try user.proof(nonce)
            }
        }
    }

    /// The credentials of `task`'s job, expiring after its deadline plus `jobMargin`; `nil`
    /// without the keys (a credentials file cannot mint users).
    public func jobCredentials(_ task: AgentTask, now: Date = Date()) -> NATSCredentials? {
        guard case .keys(let keys, _) = source else { return nil }
        let lifetime = task.activeDeadlineSeconds.map { TimeInterval($0) + Self.jobMargin } ?? BusKeys.longestCredential
        return keys.jobUser(TaskManifests.jobID(task), expires: now.addingTimeInterval(lifetime), now: now)
    }

    /// New keys kept in `directory` (`nats-keys.json`, mode 0600): the demo's and `flightdeck
    /// sim --nats`'s bus, made on the fly.
    public static func generate(in directory: String) throws -> BusIdentity {
        let path = directory + "/nats-keys.json"
        let keys = BusKeys.generate()
        do { try BusKeyFile.write(keys, to: path) } catch { throw OperatorError(error.description) }
        return BusIdentity(source: .keys(keys, path: path))
    }

    /// The keys, when this identity has them.
    public var keys: BusKeys? {
        if case .keys(let keys, _) = source { return keys }
        return nil
    }

    /// What the install bundle's nats-server trusts: these keys' `authorization` (`.insecure`
    /// for a credentials file, which cannot say who signed it).
    public var authorization: NATSAuthorization {
        if case .keys(let keys, _) = source { return .jwt(NATSAuthorizationSettings(keys: keys)) }
        return .insecure
    }

    /// When the connection's user stops being accepted: a credentials file's expiry.
    public var expires: Date? {
        if case .credentials(let credentials, _) = source { return credentials.expires }
        return nil
    }
}
