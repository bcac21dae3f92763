import Foundation

/// The knobs of an `APIStore`, gathered so tests can make every run exact: the clock and the
/// seed decide every timestamp, uid and generated name; the limits decide when history is
/// compacted and when a slow watcher is cut off.
public struct APIStoreConfiguration: Sendable {
    /// How many change events the store keeps for watch replay and consistent pagination
    /// (etcd's compaction window; the apiserver's watch cache holds a similar amount).
    public var historyLimit: Int
    /// Events a watcher may have pending before it is closed, as the apiserver closes a
    /// watcher whose channel is full rather than block writers.
    public var watchBufferSize: Int
    /// When set, every watcher that allowed bookmarks receives a `BOOKMARK` this often.
    public var bookmarkInterval: Duration?
    /// The time stamped into `creationTimestamp` and `deletionTimestamp`.
    public var clock: @Sendable () -> Date
    /// Seed of the uid and `generateName` suffix generator; `nil` picks a random one.
    public var seed: UInt64?
    /// Namespaces that exist when the store starts.
    public var initialNamespaces: [String]

    public init(historyLimit: Int = 1000, watchBufferSize: Int = 100, bookmarkInterval: Duration? = nil,
        clock: @escaping @Sendable () -> Date = { Date() }, seed: UInt64? = nil,
        initialNamespaces: [String] = ["default", "kube-system"])
    {
        self.historyLimit = max(1, historyLimit)
        self.watchBufferSize = max(1, watchBufferSize)
        self.bookmarkInterval = bookmarkInterval
        self.clock = clock
        self.seed = seed
        self.initialNamespaces = initialNamespaces
    }
}
