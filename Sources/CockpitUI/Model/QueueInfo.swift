/// The task queues of the config the cockpit runs with, and who admits their jobs: what
/// the move-to-queue picker lists and whether "start now" is Flightdeck's to do.
public struct QueueInfo: Sendable, Hashable {
    /// The configured queues, in the config's order (empty: the config has no `queues:`).
    public var names: [String]
    /// The queue a task without `queue` goes to.
    public var defaultName: String
    /// Kueue admits the queued jobs (Flightdeck never starts them itself).
    public var kueue: Bool

    public init(names: [String], defaultName: String, kueue: Bool) {
        self.names = names
        self.defaultName = defaultName
        self.kueue = kueue
    }
}
