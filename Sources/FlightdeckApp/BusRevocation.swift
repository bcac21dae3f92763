import AgentManifests
import FlightdeckCore
import Foundation
import KubeClient
import KubeModel
import NATSAuth
import NATSClient

/// Revoking a job's NATS user when its Job is deleted: the user's key comes from the
/// credentials in the Job's Secret (read before the Job and its Secret go), the revocation is
/// kept in this machine's bus keys, and the account JWT carrying it is pushed to the server —
/// which closes the user's connections and refuses it from then on.
public enum BusRevocation {
    public enum Outcome: Sendable, Hashable {
        /// The job had no NATS user of its own (a bus without identities).
        case none
        case revoked(user: String)
        /// Kept in the keys, but the server could not be told: it learns at the next
        /// `flightdeck install --apply` (which pushes the account to a server it can reach,
        /// and puts it in the in-cluster server's configuration, read when its pod restarts).
        case recordedOnly(user: String, reason: String)
        /// Which user it was could not be read (the Secret is not ours to read): nothing
        /// revoked; its credentials die when they expire.
        case unknown(reason: String)
    }

    /// The user of job `name`'s Secret, revoked (see the type's note). `nil` settings keys or
    /// no Secret: `.none`.
    public static func revoke(jobName name: String, api: KubeAPI, namespace: String, settings: ClusterSettings) async throws
        -> Outcome
    {
        guard let keysPath = settings.natsKeysPath else { return .none }
        let secret: Secret
        do {
            secret = try await api.get(Secret.self, namespace: namespace, name: name + "-task")
        } catch let error as APIError where error.code == 404 {
            return .none
        } catch let error as APIError where error.code == 403 {
            // Deleting the Job must not depend on also being allowed to read Secrets.
            return .unknown(reason: "not allowed to read its Secret \(name)-task")
        }
        guard let text = secret.string(forKey: AgentTask.natsCredentialsKey),
            let credentials = try? NATSCredentials(fileText: text)
        else { return .none }
        let user = credentials.key.publicKey
        let keys: BusKeys
        do {
            keys = try await offThePool { try BusKeyFile.update(keysPath) { $0.revoke(user: user) } }
        } catch {
            throw OperatorError("\(error)")
        }
        guard let url = settings.natsURL, let address = NATSServerAddress(url: url) else {
            return .recordedOnly(user: user, reason: "no NATS URL is configured here")
        }
        do {
            try await AccountUpdate.push(keys, to: [address])
        } catch {
            return .recordedOnly(user: user, reason: "\(error)")
        }
        return .revoked(user: user)
    }
}
