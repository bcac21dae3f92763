import KubeModel

/// One thing that feeds a controller's work queue: the events of a watched resource (an
/// informer with its event handler), or a periodic resync. A `QueueDrivenController` lists
/// its sources; its loop runs each as a task of its own until cancelled.
struct ControllerSource: Sendable {
    let run: @Sendable (APIStore) async -> Void

    /// Hands every change of `type` to `handler` (`ADDED` for what exists, then live events;
    /// the watch resumes, or relists after a 410, when the store ends it), which queues the
    /// keys the change concerns.
    static func watch(_ type: ResourceType, _ handler: @escaping @Sendable (WatchEvent) -> Void) -> ControllerSource {
        ControllerSource { store in await ControllerRuntime.watch(store, type, handler: handler) }
    }

    /// Calls `body` every `seconds` simulated seconds (upstream's resync period), which
    /// queues everything it may have to look at again.
    static func resync(every seconds: Double, timing: SimTiming, _ body: @escaping @Sendable () -> Void)
        -> ControllerSource
    {
        ControllerSource { _ in await ControllerRuntime.every(seconds, timing: timing, body) }
    }
}
