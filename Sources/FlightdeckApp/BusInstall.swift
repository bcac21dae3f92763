import AgentManifests
import Foundation
import NATSAuth
import NATSClient

/// What `flightdeck install` does about the bus's identities: makes the keys on the first
/// run, rotates the signing key when asked, gives the bundle the authorization to deploy,
/// and tells a reachable NATS server the account's current JWT (rotations, revocations).
public struct BusInstall: Sendable {
    public let keys: BusKeys?
    public let authorization: NATSAuthorization

    /// `insecure`: no authorization (`--insecure-nats`). Otherwise the keys at the settings'
    /// path (or `defaultKeysPath`) are read — made first when missing and the bundle deploys
    /// NATS — and rotated with `rotate`. `say` hears what was made or changed.
    public static func prepare(_ settings: ClusterSettings, insecure: Bool, rotate: Bool, defaultKeysPath: String,
        say: @escaping @Sendable (String) -> Void) async throws -> BusInstall
    {
        if insecure {
            say("NATS is deployed without authorization (--insecure-nats): any agent can read and steer every other agent")
            return BusInstall(keys: nil, authorization: .insecure)
        }
        let path = settings.natsKeysPath ?? defaultKeysPath
        let keys: BusKeys? = try await offThePool {
            do {
                if !FileManager.default.fileExists(atPath: path) {
                    // An external NATS server is configured by its operator: keys made here
                    // would be trusted by nobody.
                    guard settings.deploysNATS else {
                        if rotate { throw OperatorError("no NATS keys at \(path) to rotate") }
                        return nil
                    }
                    try BusKeyFile.write(BusKeys.generate(), to: path)
                    say("made the NATS keys \(path) (mode 0600): keep them; whoever holds them may use the bus")
                }
                guard rotate else { return try BusKeyFile.read(path) }
                let rotated = try BusKeyFile.update(path) { $0.rotate() }
                say("rotated the NATS signing key in \(path): new jobs get users signed by the new key; "
                    + "jobs signed by a retired one are no longer accepted")
                return rotated
            } catch let error as SecretFile.Failure {
                throw OperatorError(error.description)
            }
        }
        guard let keys else { return BusInstall(keys: nil, authorization: .insecure) }
        let authorization = NATSAuthorization.jwt(NATSAuthorizationSettings(keys: keys))
        if let problem = authorization.validationErrors.first { throw OperatorError("the NATS keys \(path): \(problem)") }
        return BusInstall(keys: keys, authorization: authorization)
    }

    /// Pushes the account JWT to the NATS server the settings name, when there is one: a
    /// line saying so, or why it could not (the in-cluster server also learns from its
    /// configuration when its pod restarts).
    public func tellServer(_ settings: ClusterSettings) async -> String? {
        guard let keys, let url = settings.natsURL, let address = NATSServerAddress(url: url) else { return nil }
        do {
            try await AccountUpdate.push(keys, to: [address])
            return "nats account \(keys.account.publicKey.prefix(12))… updated on \(address)"
        } catch {
            return "nats account not updated on \(address): \(error) (the NATS pod reads it from its configuration when it restarts)"
        }
    }
}
