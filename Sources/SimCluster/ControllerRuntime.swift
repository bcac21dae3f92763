import FlightdeckCore
import Foundation
import KubeModel

/// What every controller here needs from the API, kept in one place: a watch that survives
/// the store closing it (as a reflector relists), and read-modify-write helpers that retry
/// on conflicts the way controllers using `retry.RetryOnConflict` do.
enum ControllerRuntime {
    /// Calls `handler` for every change of `type`: `ADDED` for what exists, then live events.
    /// When the store ends the watch (the watcher fell behind, or its revision was
    /// compacted) it resumes from the last revision seen, or lists afresh after a 410.
    /// Returns when the task is cancelled.
    static func watch(_ store: APIStore, _ type: ResourceType, namespace: String? = nil,
        handler: @escaping @Sendable (WatchEvent) -> Void) async
    {
        var resourceVersion: String?
        while !Task.isCancelled {
            let subscription: WatchSubscription
            do {
                subscription = try store.watch(type: type, namespace: namespace,
                    options: ListOptions(resourceVersion: resourceVersion))
            } catch {
                resourceVersion = nil
                try? await Task.sleep(for: .milliseconds(50))
                continue
            }
            await withTaskCancellationHandler {
                for await event in subscription {
                    if event.type == .error {
                        resourceVersion = nil
                        break
                    }
                    if let version = event.resourceVersion { resourceVersion = version }
                    handler(event)
                }
            } onCancel: {
                subscription.cancel()
            }
        }
    }

    /// Runs `body` every `seconds` simulated seconds until cancelled (upstream's resync).
    static func every(_ seconds: Double, timing: SimTiming, _ body: @Sendable () -> Void) async {
        while !Task.isCancelled {
            do { try await timing.sleep(seconds: max(seconds, 0.001)) } catch { return }
            body()
        }
    }

    /// Reads the object, lets `mutate` change it, and writes it back over the version read
    /// (the status subresource when `status`); retries on a conflict. `mutate` returning
    /// `false` means there is nothing to write. Returns the stored object, or `nil` when it
    /// is gone or was left alone.
    @discardableResult
    static func modify(_ store: APIStore, _ type: ResourceType, namespace: String?, name: String,
        status: Bool = false, _ mutate: (inout JSONValue) -> Bool) throws(Status) -> JSONValue?
    {
        for attempt in 0..<8 {
            guard var object = try? store.get(type: type, namespace: namespace, name: name) else { return nil }
            guard mutate(&object) else { return nil }
            do {
                return try store.update(object, type: type, namespace: namespace, name: name,
                    subresource: status ? "status" : nil)
            } catch {
                if error.code == 404 { return nil }
                if error.code == 409, attempt < 7 { continue }
                throw error
            }
        }
        return nil
    }

    /// Removes `finalizer` from the object (no-op when absent or the object is gone).
    static func removeFinalizer(_ store: APIStore, _ type: ResourceType, namespace: String?, name: String,
        _ finalizer: String)
    {
        _ = try? modify(store, type, namespace: namespace, name: name) { object in
            var meta = ObjectMeta(json: object["metadata"] ?? .emptyObject)
            guard meta.finalizers.contains(finalizer) else { return false }
            meta.finalizers.removeAll { $0 == finalizer }
            // An emptied list is omitted, as Go's omitempty writes it.
            if meta.finalizers.isEmpty { meta.json.setMember("finalizers", nil) }
            object.setMember("metadata", meta.json)
            return true
        }
    }

    /// The items of a list, with `kind`/`apiVersion` restored (list items omit them, and
    /// the event recorder and owner references need them).
    static func list(_ store: APIStore, _ type: ResourceType, namespace: String? = nil,
        labelSelector: String? = nil) -> [JSONValue]
    {
        guard let list = try? store.list(type: type, namespace: namespace,
            options: ListOptions(labelSelector: labelSelector))
        else { return [] }
        return (list["items"]?.arrayValue ?? []).map { item in
            var object = item
            object.setMember("kind", .string(type.kind))
            object.setMember("apiVersion", .string(type.apiVersion))
            return object
        }
    }

    static func isBeingDeleted(_ object: JSONValue) -> Bool {
        ObjectMeta(json: object["metadata"] ?? .emptyObject).isBeingDeleted
    }
}
