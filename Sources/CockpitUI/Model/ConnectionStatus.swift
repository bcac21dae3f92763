import Foundation

/// The Kubernetes API and NATS links, as the status bar shows them.
public struct ConnectionStatus: Sendable, Hashable {
    public var api: LinkState
    public var nats: LinkState

    public init(api: LinkState = .notConfigured, nats: LinkState = .notConfigured) {
        self.api = api
        self.nats = nats
    }
}
