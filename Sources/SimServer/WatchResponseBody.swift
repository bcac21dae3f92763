import FlightdeckCore
import KubeModel
import SimCluster

/// The body of a watch response: the store's events, one JSON line each (or a one-row
/// `Table` when the client asked for tables), pulled as the connection writes them.
///
/// Pulled, not pushed through a second buffer: a client that reads slowly leaves events
/// pending in the store's own per-watcher buffer (`APIStoreConfiguration.watchBufferSize`),
/// which ends the watch when it is full — the one place a slow watcher is cut off, as the
/// apiserver drops watchers whose channel fills. (A pump into a 256-chunk stream used to cut
/// watches off after a quarter-second hiccup at a few thousand events a second.)
struct WatchResponseBody: AsyncSequence, Sendable {
    typealias Element = [UInt8]
    typealias Failure = Never

    let subscription: WatchSubscription
    let type: ResourceType
    /// Set when the client asked for `Table`s.
    let table: (converter: TableConverter, include: TableConverter.IncludeObject)?

    func makeAsyncIterator() -> Iterator {
        Iterator(events: subscription.makeAsyncIterator(), body: self)
    }

    struct Iterator: AsyncIteratorProtocol {
        var events: AsyncStream<WatchEvent>.Iterator
        let body: WatchResponseBody
        var first = true

        mutating func next() async -> [UInt8]? {
            let subscription = body.subscription
            // The client left (the writer is cancelled): release the store's watcher at once.
            let next = await withTaskCancellationHandler {
                await events.next()
            } onCancel: {
                subscription.cancel()
            }
            guard let event = next else { return nil }
            var object = event.object
            if let table = body.table, event.type != .error, event.type != .bookmark {
                object = table.converter.table(body.type, objects: [event.object],
                    resourceVersion: event.resourceVersion, include: table.include, withColumns: first)
                first = false
            }
            var line = Array(WatchEvent(type: event.type, object: object).serialized.utf8)
            line.append(0x0A)
            return line
        }
    }
}
