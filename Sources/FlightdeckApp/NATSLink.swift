import AgentManifests
import NATSClient

/// The NATS server a command reaches from here: the config's `cluster.nats.url`, or
/// `--nats-url`. Without one, the trace comes from pod logs and agents cannot be steered.
public enum NATSLink {
    /// Connection options for `url`, named `name` on the server, as `identity` (see
    /// `BusIdentity`); `nil` without a URL.
    public static func options(url: String?, name: String, identity: BusIdentity? = nil) throws -> NATSConnection.Options? {
        guard let url else { return nil }
        guard let address = NATSServerAddress(url: url) else { throw OperatorError("not a NATS URL: \(url)") }
        return NATSConnection.Options(servers: [address], credentials: identity?.proof(name: name), name: name)
    }

    /// Connection options for the settings' NATS URL as the settings' identity (reading the
    /// key or credentials file off the cooperative pool).
    public static func options(_ settings: ClusterSettings, name: String) async throws -> NATSConnection.Options? {
        guard settings.natsURL != nil else { return nil }
        let identity = try await offThePool { try BusIdentity.load(settings) }
        return try options(url: settings.natsURL, name: name, identity: identity)
    }

    /// A connection to `url`, made now. Without a URL, or when the server does not answer:
    /// `nil` — or, when the command cannot do without it (`required`), a one-line failure
    /// saying where the URL is set (`configPath`).
    public static func connect(_ settings: ClusterSettings, name: String = "flightdeck", required: Bool, configPath: String,
        timeout: Duration = .seconds(5)) async throws -> NATSConnection?
    {
        guard let options = try await options(settings, name: name) else {
            if required {
                throw OperatorError("no NATS server reachable from here: pass --nats-url or set cluster.nats.url in \(configPath)")
            }
            return nil
        }
        let connection = NATSConnection(options: options)
        do {
            try await connection.connect(timeout: timeout)
        } catch {
            await connection.close()
            if required { throw OperatorError("\(error)") }
            return nil
        }
        return connection
    }
}
