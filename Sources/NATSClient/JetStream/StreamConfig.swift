import FlightdeckCore

/// A JetStream stream as Flightdeck wants it: the agents' trace and events kept on disk,
/// bounded by age and size so a forgotten cluster cannot fill its volume.
public struct StreamConfig: Sendable, Hashable {
    public var name: String
    public var subjects: [String]
    /// Records older than this are dropped by the server (0: kept forever).
    public var maxAge: Duration
    /// Total bytes kept (-1: unlimited); the oldest go first.
    public var maxBytes: Int64
    /// Largest message accepted.
    public var maxMessageSize: Int32
    /// Memory instead of file storage (tests, demos).
    public var memoryStorage: Bool
    /// When a message goes: by the limits above, or once a consumer acked it.
    public var retention: Retention
    /// How long a `Nats-Msg-Id` is remembered to drop a repeated publish.
    public var duplicateWindow: Duration

    public enum Retention: String, Sendable, Hashable {
        case limits
        /// Each message is for one consumer (their filters may not overlap) and goes when acked.
        case workQueue = "workqueue"
    }

    public init(name: String = BusNames.traceStream, subjects: [String] = ["logs.agent.>", "events.agent.>"],
        maxAge: Duration = .seconds(14 * 86_400), maxBytes: Int64 = 8 << 30, maxMessageSize: Int32 = 8 << 20,
        memoryStorage: Bool = false, retention: Retention = .limits, duplicateWindow: Duration = .seconds(120))
    {
        self.retention = retention
        self.duplicateWindow = duplicateWindow
        self.name = name
        self.subjects = subjects
        self.maxAge = maxAge
        self.maxBytes = maxBytes
        self.maxMessageSize = maxMessageSize
        self.memoryStorage = memoryStorage
    }

    var json: JSONValue {
        .object([
            .init("name", .string(name)),
            .init("subjects", .array(subjects.map { .string($0) })),
            .init("retention", .string(retention.rawValue)),
            .init("storage", memoryStorage ? "memory" : "file"),
            .init("discard", "old"),
            .init("max_age", .integer(Int64(maxAge.nanoseconds))),
            .init("max_bytes", .integer(Int64(maxBytes))),
            .init("max_msg_size", .integer(Int64(maxMessageSize))),
            .init("max_msgs", -1),
            .init("max_consumers", -1),
            .init("num_replicas", 1),
            .init("duplicate_window", .integer(Int64(duplicateWindow.nanoseconds))),
        ])
    }
}

extension Duration {
    /// Whole nanoseconds, as JetStream's API counts time.
    var nanoseconds: Int64 {
        components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000
    }
}
