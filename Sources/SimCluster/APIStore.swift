import FlightdeckCore
import Foundation
import KubeModel
import Synchronization

/// The simulated apiserver's storage: etcd plus the generic registry's rules, in memory.
///
/// Why it exists: the simulated cluster must answer the real kubectl and Flightdeck's own
/// client as kube-apiserver would, so the store keeps the semantics clients depend on —
/// one global revision that every write bumps (`metadata.resourceVersion`), optimistic
/// concurrency (409 on a stale version), consistent paginated lists, finalizer-driven
/// deletion, and watches that replay from a revision or fail with 410 once it is compacted.
/// Errors are `Status` values with the apiserver's codes, reasons and messages, so the
/// HTTP layer can send them as they are.
///
/// Thread-safe: every operation runs under one lock and never waits on a reader (watch
/// events are pushed into bounded buffers; a watcher that falls behind is closed).
public final class APIStore: Sendable {
    private let state: Mutex<StoreState>
    private let watchBufferSize: Int
    private let bookmarkTask = Mutex<Task<Void, Never>?>(nil)
    /// The admission chain, in the order plugins run.
    private let admissionPlugins = Mutex<[any AdmissionPlugin]>([])
    /// The store's clock (what `creationTimestamp` reads), for controllers that stamp times.
    public let clock: @Sendable () -> Date

    public init(configuration: APIStoreConfiguration = APIStoreConfiguration()) {
        clock = configuration.clock
        var initial = StoreState(configuration: configuration)
        for name in configuration.initialNamespaces {
            _ = try? initial.create(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(name)]],
                type: .namespaces, namespace: nil)
        }
        state = Mutex(initial)
        watchBufferSize = configuration.watchBufferSize
        if let interval = configuration.bookmarkInterval {
            let task = Task { [weak self] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: interval)
                    guard let self else { return }
                    self.sendBookmarks()
                }
            }
            bookmarkTask.withLock { $0 = task }
        }
    }

    deinit {
        bookmarkTask.withLock { $0?.cancel() }
        state.withLock { state in
            for id in Array(state.watchers.keys) { state.endWatch(id) }
        }
    }

    /// The current revision (what a list reports as its `resourceVersion`).
    public var resourceVersion: String { state.withLock { String($0.revision) } }

    // MARK: - Admission

    /// Adds `plugin` at the end of the admission chain, or replaces the plugin registered
    /// under the same name (so installing a control plane twice does not run it twice).
    public func registerAdmissionPlugin(_ plugin: any AdmissionPlugin) {
        admissionPlugins.withLock { plugins in
            if let index = plugins.firstIndex(where: { $0.name == plugin.name }) {
                plugins[index] = plugin
            } else {
                plugins.append(plugin)
            }
        }
    }

    /// Removes the plugin registered under `name`, if any.
    public func removeAdmissionPlugin(named name: String) {
        admissionPlugins.withLock { $0.removeAll { $0.name == name } }
    }

    /// The registered plugins' names, in the order they run.
    public var admissionPluginNames: [String] { admissionPlugins.withLock { $0.map(\.name) } }

    private func runAdmission(_ request: inout AdmissionRequest, _ plugins: [any AdmissionPlugin]) throws(Status)
        -> [String]
    {
        var warnings: [String] = []
        for plugin in plugins { warnings += try plugin.admit(&request, store: self) }
        return warnings
    }

    // MARK: - Writes

    /// POST: stores a new object, filling `uid`, `creationTimestamp`, `resourceVersion`,
    /// `generation` and a `generateName` name. `namespace` is the request path's.
    public func create(_ object: JSONValue, type: ResourceType, namespace: String? = nil) throws(Status) -> JSONValue {
        try createWithWarnings(object, type: type, namespace: namespace).object
    }

    /// `create`, also returning the admission chain's warnings.
    public func createWithWarnings(_ object: JSONValue, type: ResourceType, namespace: String? = nil)
        throws(Status) -> AdmittedWrite
    {
        let plugins = admissionPlugins.withLock { $0 }
        if plugins.isEmpty {
            return AdmittedWrite(object: try state.withLock { (state: inout StoreState) throws(Status) -> JSONValue in
                try state.create(object, type: type, namespace: namespace)
            })
        }
        // Plugins see the object as it will be stored: namespace resolved, name generated
        // (PodSecurity's message names the generated pod, as upstream's does).
        var body = object
        let (resolvedNamespace, name) = try state.withLock {
            (state: inout StoreState) throws(Status) -> (String?, String) in
            try state.prepareCreate(&body, type: type, namespace: namespace)
        }
        var request = AdmissionRequest(operation: .create, type: type, namespace: resolvedNamespace, name: name,
            object: body)
        let warnings = try runAdmission(&request, plugins)
        let stored = try state.withLock { (state: inout StoreState) throws(Status) -> JSONValue in
            try state.create(request.object, type: type, namespace: resolvedNamespace)
        }
        return AdmittedWrite(object: stored, warnings: warnings)
    }

    /// PUT of the object (or of its `status` subresource when `subresource` is `"status"`).
    /// `name` is the request path's (the body's when `nil`).
    public func update(_ object: JSONValue, type: ResourceType, namespace: String? = nil, name: String? = nil,
        subresource: String? = nil) throws(Status) -> JSONValue
    {
        try updateWithWarnings(object, type: type, namespace: namespace, name: name, subresource: subresource).object
    }

    /// `update`, also returning the admission chain's warnings.
    public func updateWithWarnings(_ object: JSONValue, type: ResourceType, namespace: String? = nil,
        name: String? = nil, subresource: String? = nil, dryRun: Bool = false) throws(Status) -> AdmittedWrite
    {
        let status = try Self.statusFlag(subresource, type)
        let plugins = admissionPlugins.withLock { $0 }
        if plugins.isEmpty {
            return AdmittedWrite(object: try state.withLock { (state: inout StoreState) throws(Status) -> JSONValue in
                try state.update(object, type: type, namespace: namespace, name: name, status: status, dryRun: dryRun)
            })
        }
        let objectName = name ?? object[path: ["metadata", "name"]]?.stringValue ?? ""
        let objectNamespace = type.namespaced ? namespace ?? object[path: ["metadata", "namespace"]]?.stringValue : nil
        let unconditional = (object[path: ["metadata", "resourceVersion"]]?.stringValue ?? "").isEmpty
        // As GuaranteedUpdate: admit against the current object, commit only over that
        // version, and try again when another write got in between.
        for attempt in 0..<5 {
            let old = try get(type: type, namespace: objectNamespace, name: objectName)
            var body = object
            if unconditional { body[path: ["metadata", "resourceVersion"]] = old[path: ["metadata", "resourceVersion"]] }
            var request = AdmissionRequest(operation: .update, type: type, namespace: objectNamespace,
                name: objectName, object: body, oldObject: old, subresource: subresource)
            let warnings = try runAdmission(&request, plugins)
            do {
                let stored = try state.withLock { (state: inout StoreState) throws(Status) -> JSONValue in
                    try state.update(request.object, type: type, namespace: namespace, name: name, status: status,
                        dryRun: dryRun)
                }
                return AdmittedWrite(object: stored, warnings: warnings)
            } catch {
                if error.code == 409, unconditional, attempt < 4 { continue }
                throw error
            }
        }
        throw Status.conflict(type, name: objectName)
    }

    /// PATCH with a merge, strategic-merge or JSON patch; a `metadata.resourceVersion` the
    /// patch sets is a precondition, as for PUT.
    public func patch(type: ResourceType, namespace: String? = nil, name: String, patch: JSONValue,
        kind: PatchKind = .merge, subresource: String? = nil) throws(Status) -> JSONValue
    {
        try patchWithWarnings(type: type, namespace: namespace, name: name, patch: patch, kind: kind,
            subresource: subresource).object
    }

    /// `patch`, also returning the admission chain's warnings.
    public func patchWithWarnings(type: ResourceType, namespace: String? = nil, name: String, patch: JSONValue,
        kind: PatchKind = .merge, subresource: String? = nil, dryRun: Bool = false) throws(Status) -> AdmittedWrite
    {
        let status = try Self.statusFlag(subresource, type)
        let plugins = admissionPlugins.withLock { $0 }
        if plugins.isEmpty {
            return AdmittedWrite(object: try state.withLock { (state: inout StoreState) throws(Status) -> JSONValue in
                try state.patch(type: type, namespace: namespace, name: name, patch: patch, kind: kind, status: status,
                    dryRun: dryRun)
            })
        }
        for attempt in 0..<5 {
            let old = try get(type: type, namespace: namespace, name: name)
            // The patched object carries the old version (or the patch's own precondition).
            let patched = try StoreState.apply(patch, kind: kind, to: old)
            // A patch that sets another version is a precondition and is not retried; one
            // that leaves the version alone is applied again to the newer object, as
            // kube-apiserver's GuaranteedUpdate does.
            let version = patched[path: ["metadata", "resourceVersion"]]
            let conditional = version != nil && version != old[path: ["metadata", "resourceVersion"]]
            var request = AdmissionRequest(operation: .update, type: type, namespace: namespace, name: name,
                object: patched, oldObject: old, subresource: subresource)
            let warnings = try runAdmission(&request, plugins)
            do {
                let stored = try state.withLock { (state: inout StoreState) throws(Status) -> JSONValue in
                    try state.update(request.object, type: type, namespace: namespace, name: name, status: status,
                        dryRun: dryRun)
                }
                return AdmittedWrite(object: stored, warnings: warnings)
            } catch {
                if error.code == 409, !conditional, attempt < 4 { continue }
                throw error
            }
        }
        throw Status.conflict(type, name: name)
    }

    /// DELETE: removes the object, or — when finalizers hold it (including the
    /// `foregroundDeletion`/`orphan` ones added for those policies) — marks it with
    /// `deletionTimestamp`; the last finalizer's removal then deletes it.
    public func delete(type: ResourceType, namespace: String? = nil, name: String,
        options: DeleteOptions = DeleteOptions()) throws(Status) -> DeleteResult
    {
        try state.withLock { (state: inout StoreState) throws(Status) -> DeleteResult in
            try state.delete(type: type, namespace: namespace, name: name, options: options)
        }
    }

    /// The propagation policy last requested when deleting this object (for the garbage
    /// collector, which the store does not implement).
    public func propagationPolicy(type: ResourceType, namespace: String? = nil, name: String) -> PropagationPolicy? {
        state.withLock { $0.deletePolicies[type]?[StoreState.key(type, namespace: namespace, name: name)] }
    }

    // MARK: - Reads

    public func get(type: ResourceType, namespace: String? = nil, name: String) throws(Status) -> JSONValue {
        try state.withLock { (state: inout StoreState) throws(Status) -> JSONValue in
            try state.get(type: type, namespace: namespace, name: name)
        }
    }

    /// A `…List` object; `namespace` `nil` lists all namespaces. Honours label and field
    /// selectors and `limit`/`continue` (every page reads the first page's revision).
    public func list(type: ResourceType, namespace: String? = nil, options: ListOptions = ListOptions())
        throws(Status) -> JSONValue
    {
        try state.withLock { (state: inout StoreState) throws(Status) -> JSONValue in
            try state.list(type: type, namespace: namespace, options: options)
        }
    }

    // MARK: - Watch

    /// Opens a watch. From `resourceVersion` R it replays every retained change after R,
    /// then streams live ones; without one (or `"0"`) it starts with `ADDED` for what
    /// exists. A compacted R yields one `ERROR` (410 Expired) and ends.
    public func watch(type: ResourceType, namespace: String? = nil, options: ListOptions = ListOptions())
        throws(Status) -> WatchSubscription
    {
        let (labels, fields) = try StoreState.selectors(type, options)
        let gone = Watcher.Flag()
        let bufferSize = watchBufferSize
        let (watcherID, stream) = try state.withLock {
            (state: inout StoreState) throws(Status) -> (Int, AsyncStream<WatchEvent>) in
            let id = state.nextWatcherID
            state.nextWatcherID += 1
            // The continuation is filled in below; the initial events size the buffer.
            var continuation: AsyncStream<WatchEvent>.Continuation?
            let probe = Watcher(type: type, namespace: type.namespaced ? namespace : nil, labels: labels,
                fields: fields, allowBookmarks: options.allowWatchBookmarks ?? false,
                continuation: AsyncStream<WatchEvent>.makeStream().continuation, gone: gone)
            let initial = try state.initialEvents(for: probe, resourceVersion: options.resourceVersion)
            let count = (try? initial.get().count) ?? 1
            let stream = AsyncStream<WatchEvent>(bufferingPolicy: .bufferingOldest(bufferSize + count)) {
                continuation = $0
            }
            guard let continuation else { preconditionFailure("AsyncStream calls its build closure at once") }
            continuation.onTermination = { _ in gone.set() }
            switch initial {
            case .failure(let status):
                continuation.yield(.error(status))
                continuation.finish()
            case .success(let events):
                for event in events { continuation.yield(event) }
                var watcher = probe
                watcher.continuation = continuation
                state.watchers[id] = watcher
            }
            return (id, stream)
        }
        let subscription = WatchSubscription(id: watcherID, stream: stream) { [weak self] in
            self?.endWatch(watcherID)
        }
        if let seconds = options.timeoutSeconds, seconds > 0 {
            Task { [weak self] in
                try? await Task.sleep(for: .seconds(seconds))
                self?.endWatch(watcherID)
            }
        }
        return subscription
    }

    /// Ends a watch (its buffered events are still delivered).
    public func endWatch(_ id: Int) { state.withLock { $0.endWatch(id) } }

    /// Open watches (closed and abandoned ones are pruned first).
    public var watcherCount: Int {
        state.withLock { state in
            for (id, watcher) in state.watchers where watcher.gone.isSet { state.watchers.removeValue(forKey: id) }
            return state.watchers.count
        }
    }

    /// Sends a `BOOKMARK` at the current revision to every watcher that allowed them.
    public func sendBookmarks() { state.withLock { $0.sendBookmarks() } }

    /// Compacts history to the last `keeping` changes (default: none), as etcd compaction
    /// does: older revisions can no longer be watched from or paginated at.
    public func compact(keeping: Int = 0) { state.withLock { $0.compact(keeping: keeping) } }

    /// The highest compacted revision (0 when nothing was compacted).
    public var compactedRevision: Int64 { state.withLock { $0.compactedRevision } }

    private static func statusFlag(_ subresource: String?, _ type: ResourceType) throws(Status) -> Bool {
        guard let subresource else { return false }
        guard subresource == "status", type.subresources.contains("status") else { throw Status.notFoundPath() }
        return true
    }
}
