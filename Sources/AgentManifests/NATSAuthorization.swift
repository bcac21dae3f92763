/// How the in-cluster nats-server decides who may connect, publish and subscribe: the choice
/// the install bundle cannot be printed without (`InstallManifests.all(_:natsAuthorization:)`).
///
/// Why an explicit `.insecure` instead of an optional: the bundle used to deploy NATS open to
/// every pod of the namespace, and any agent could read and steer every other agent. Making
/// "no authorization" a word the caller has to write (for `--insecure-nats`, demos and the
/// simulated cluster) keeps it from being what a forgotten argument produces.
public enum NATSAuthorization: Sendable, Hashable {
    /// Decentralized JWT authorization: operator, Flightdeck's account, the system account, one
    /// user per job. nats.conf carries the operator JWT, the system account and a full resolver
    /// seeded with the account JWTs.
    case jwt(NATSAuthorizationSettings)
    /// No authorization at all: any client that reaches port 4222 may do anything. The
    /// NetworkPolicy still admits only agents, an in-cluster orchestrator and the operator's
    /// CIDRs, but any agent can read and publish every other agent's subjects.
    case insecure

    /// Everything wrong with the settings (none for `.insecure`).
    public var validationErrors: [String] {
        switch self {
        case .jwt(let settings): settings.validationErrors
        case .insecure: []
        }
    }
}
