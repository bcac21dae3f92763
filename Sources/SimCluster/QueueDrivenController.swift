/// A controller built the way kube-controller-manager builds its controllers: informers whose
/// event handlers turn changes into keys on a work queue, and one worker that takes a key at
/// a time and syncs it against the object's current state.
///
/// Why the shape is shared: it is what makes every controller here level-triggered. A key only
/// says "look at this again", so a missed, repeated or coalesced event cannot make a sync act
/// on a stale view, and a sync that must look again later re-queues its key
/// (`queue.add(_:after:)`) instead of sleeping. A conforming controller states what feeds its
/// queue (`sources`) and what a sync does (`sync(_:)`); `runLoop()` is the rest.
protocol QueueDrivenController: AnyObject, Sendable {
    associatedtype Key: Hashable & Sendable

    var store: APIStore { get }
    var queue: WorkQueue<Key> { get }
    /// The watches (and resyncs) that queue keys; read once when the loop starts.
    var sources: [ControllerSource] { get }
    /// Brings what `key` names in line with the cluster's current state.
    func sync(_ key: Key)
}

extension QueueDrivenController {
    /// Runs every source and the worker until the task is cancelled, then shuts the queue
    /// down (its pending delayed keys are dropped).
    func runLoop() async {
        let sources = sources
        await withTaskGroup(of: Void.self) { group in
            for source in sources {
                group.addTask { [store] in await source.run(store) }
            }
            group.addTask { [queue] in
                for await key in queue.keys {
                    queue.started(key)
                    self.sync(key)
                }
            }
        }
        queue.shutDown()
    }
}
