import Foundation

/// The Kubernetes API and NATS links, and the history store's health, as the status bar
/// shows them.
public struct ConnectionStatus: Sendable, Hashable {
    public var api: LinkState
    public var nats: LinkState
    /// Why the history store refuses writes (a full disk…) while it does: the sources wait
    /// and retry; `nil` when it writes.
    public var storeFailure: String?

    public init(api: LinkState = .notConfigured, nats: LinkState = .notConfigured, storeFailure: String? = nil) {
        self.api = api
        self.nats = nats
        self.storeFailure = storeFailure
    }
}
