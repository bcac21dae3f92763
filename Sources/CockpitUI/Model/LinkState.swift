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
