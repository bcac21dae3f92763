import Foundation

/// The state of one link the cockpit depends on.
public enum LinkState: Sendable, Hashable {
    case connected
    /// Trying again at `retryAt`; the status bar counts down to it from the last tick.
    case reconnecting(retryAt: Date)
    case down(reason: String)
    /// Not set up at all (no NATS URL): shown as such, not as an error.
    case notConfigured
}

/// The Kubernetes API and NATS links, as the status bar shows them.
public struct ConnectionStatus: Sendable, Hashable {
    public var api: LinkState
    public var nats: LinkState

    public init(api: LinkState = .notConfigured, nats: LinkState = .notConfigured) {
        self.api = api
        self.nats = nats
    }
}
