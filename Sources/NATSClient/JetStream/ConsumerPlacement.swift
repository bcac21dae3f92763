/// How `JetStream.placeConsumer` found a durable consumer, and where its deliveries go on.
public struct ConsumerPlacement: Sendable, Hashable {
    public enum Origin: Sendable, Hashable {
        /// It did not exist: made from the config, starting where the config says.
        case created
        /// It existed and keeps its place.
        case kept
        /// It was made again, delivering from its old ack floor on (`from` is the first
        /// stream sequence it delivers): its ack policy was not the config's (a consumer
        /// made by an older Flightdeck), or it had delivered messages nobody acked and the
        /// caller asked for those to come again now rather than after `ack_wait`.
        case restarted(from: UInt64)
    }

    public var origin: Origin
    /// The consumer sequence of its next delivery: a reader that is the consumer's only
    /// one sees every delivery from here on, one number apart (a gap is a lost delivery).
    public var nextDelivery: UInt64

    public init(origin: Origin, nextDelivery: UInt64) {
        self.origin = origin
        self.nextDelivery = nextDelivery
    }
}
