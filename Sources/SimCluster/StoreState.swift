import FlightdeckCore
import Foundation
import KubeModel

/// Everything the store holds, mutated only under `APIStore`'s lock. Kept as a value type
/// with plain mutating methods so the storage rules read top to bottom without locking
/// noise.
struct StoreState: Sendable {
    let historyLimit: Int
    let watchBufferSize: Int
    let clock: @Sendable () -> Date
    var random: SeededGenerator

    /// The etcd revision: bumped by every write.
    var revision: Int64 = 0
    /// Objects by type, then by storage key (`namespace/name` or `name`).
    var objects: [ResourceType: [String: JSONValue]] = [:]
    /// The last `historyLimit` changes, oldest first (`changes[historyStart...]`).
    var history: ArraySlice<StoreChange> { changes[historyStart...] }
    /// Retained changes after a compacted prefix that is removed only once it is as long as
    /// what is kept: dropping the oldest change at every write once the history is full
    /// would move the whole array each time (3 ms a write at 100,000 changes).
    private var changes: [StoreChange] = []
    private var historyStart = 0
    /// The highest revision no longer in `history` (0: nothing compacted yet).
    var compactedRevision: Int64 = 0
    /// The propagation policy of each pending or finished delete, for the GC controller.
    var deletePolicies: [ResourceType: [String: PropagationPolicy]] = [:]
    var watchers: [Int: Watcher] = [:]
    var nextWatcherID = 1

    init(configuration: APIStoreConfiguration) {
        historyLimit = configuration.historyLimit
        watchBufferSize = configuration.watchBufferSize
        clock = configuration.clock
        random = SeededGenerator(seed: configuration.seed ?? UInt64.random(in: .min ... .max))
    }

    // MARK: - Keys and metadata helpers

    static func key(_ type: ResourceType, namespace: String?, name: String) -> String {
        type.namespaced ? "\(namespace ?? "")/\(name)" : name
    }

    static func metadataString(_ object: JSONValue, _ field: String) -> String? {
        object[path: ["metadata", field]]?.stringValue
    }

    static func isBeingDeleted(_ object: JSONValue) -> Bool {
        ObjectMeta(json: object["metadata"] ?? .emptyObject).isBeingDeleted
    }

    /// Finalizers that still hold the object: `metadata.finalizers`, and for a Namespace
    /// also `spec.finalizers` (the namespace controller's `kubernetes`).
    static func pendingFinalizers(_ object: JSONValue, type: ResourceType) -> [String] {
        var all = ObjectMeta(json: object["metadata"] ?? .emptyObject).finalizers
        if type == .namespaces {
            all += (object[path: ["spec", "finalizers"]]?.arrayValue ?? []).compactMap(\.stringValue)
        }
        return all
    }

    func namespaceMismatch(_ body: JSONValue, type: ResourceType, namespace: String?) -> Status? {
        guard type.namespaced, let namespace, let given = Self.metadataString(body, "namespace"), !given.isEmpty,
            given != namespace
        else { return nil }
        return Status.badRequest("the namespace of the provided object does not match the namespace sent on the request")
    }

    // MARK: - Writes

    /// Commits a write at the next revision, records it, and tells the watchers.
    @discardableResult
    mutating func commit(_ type: ResourceType, namespace: String?, key: String, eventType: WatchEventType,
        object: JSONValue, previous: JSONValue?) -> JSONValue
    {
        revision += 1
        var stored = object
        stored[path: ["metadata", "resourceVersion"]] = .string(String(revision))
        if eventType == .deleted {
            objects[type]?.removeValue(forKey: key)
        } else {
            objects[type, default: [:]][key] = stored
        }
        let change = StoreChange(revision: revision, type: type, namespace: type.namespaced ? namespace : nil,
            key: key, eventType: eventType, object: stored, previous: previous)
        changes.append(change)
        if changes.count - historyStart > historyLimit { compact(keeping: historyLimit) }
        notify(change)
        return stored
    }

    /// Drops all but the last `keeping` changes (etcd compaction).
    mutating func compact(keeping: Int) {
        let drop = history.count - max(0, keeping)
        guard drop > 0 else { return }
        compactedRevision = changes[historyStart + drop - 1].revision
        historyStart += drop
        if historyStart >= max(1024, changes.count - historyStart) || historyStart == changes.count {
            changes.removeFirst(historyStart)
            historyStart = 0
        }
    }

    /// A free name for `generateName` `prefix`; the apiserver retries a generated name
    /// that collides (RetryGenerateName).
    mutating func generatedName(_ prefix: String, type: ResourceType, namespace: String?) -> String {
        let base = String(prefix.prefix(58))
        var name = base + random.nameSuffix()
        for _ in 0..<8 {
            if objects[type]?[Self.key(type, namespace: namespace, name: name)] == nil { break }
            name = base + random.nameSuffix()
        }
        return name
    }

    /// What admission needs before `create`: the request checked, its namespace resolved and
    /// (for `generateName`) its name generated into `body`. `create` then finds the name set.
    mutating func prepareCreate(_ body: inout JSONValue, type: ResourceType, namespace: String?) throws(Status)
        -> (namespace: String?, name: String)
    {
        guard case .object = body else { throw Status.badRequest("the body of the request was not a JSON object") }
        if let mismatch = namespaceMismatch(body, type: type, namespace: namespace) { throw mismatch }
        var resolved: String?
        if type.namespaced {
            guard let ns = namespace ?? Self.metadataString(body, "namespace"), !ns.isEmpty else {
                throw Status.badRequest("an empty namespace may not be set during creation")
            }
            resolved = ns
        }
        var name = Self.metadataString(body, "name") ?? ""
        if name.isEmpty {
            guard let prefix = Self.metadataString(body, "generateName"), !prefix.isEmpty else {
                throw Status.invalid(type, name: "", causes: [
                    Status.Cause(reason: "FieldValueRequired", message: "Required value: name or generateName is required",
                        field: "metadata.name")
                ])
            }
            name = generatedName(prefix, type: type, namespace: resolved)
            body[path: ["metadata", "name"]] = .string(name)
        }
        return (resolved, name)
    }

    mutating func create(_ body: JSONValue, type: ResourceType, namespace: String?) throws(Status) -> JSONValue {
        guard case .object = body else { throw Status.badRequest("the body of the request was not a JSON object") }
        var object = body
        if let mismatch = namespaceMismatch(body, type: type, namespace: namespace) { throw mismatch }
        var resolvedNamespace: String?
        let requestedName = Self.metadataString(body, "name") ?? ""
        if type.namespaced {
            guard let ns = namespace ?? Self.metadataString(body, "namespace"), !ns.isEmpty else {
                throw Status.badRequest("an empty namespace may not be set during creation")
            }
            // NamespaceLifecycle admission runs before validation.
            guard let namespaceObject = objects[.namespaces]?[ns] else {
                throw Status.notFound(.namespaces, name: ns)
            }
            if Self.isBeingDeleted(namespaceObject) {
                throw Status.namespaceTerminating(type, name: requestedName, namespace: ns)
            }
            resolvedNamespace = ns
            object[path: ["metadata", "namespace"]] = .string(ns)
        } else {
            object[path: ["metadata", "namespace"]] = nil
        }

        var name = requestedName
        if name.isEmpty {
            guard let prefix = Self.metadataString(body, "generateName"), !prefix.isEmpty else {
                throw Status.invalid(type, name: "", causes: [
                    Status.Cause(reason: "FieldValueRequired", message: "Required value: name or generateName is required",
                        field: "metadata.name")
                ])
            }
            name = generatedName(prefix, type: type, namespace: resolvedNamespace)
            object[path: ["metadata", "name"]] = .string(name)
        }
        let key = Self.key(type, namespace: resolvedNamespace, name: name)
        if objects[type]?[key] != nil { throw Status.alreadyExists(type, name: name) }

        if object["kind"]?.stringValue == nil { object.setMember("kind", .string(type.kind)) }
        if object["apiVersion"]?.stringValue == nil { object.setMember("apiVersion", .string(type.apiVersion)) }
        object[path: ["metadata", "uid"]] = .string(random.uuid())
        object[path: ["metadata", "resourceVersion"]] = nil
        object[path: ["metadata", "generation"]] = nil
        if object["spec"] != nil, type != .namespaces {
            object[path: ["metadata", "generation"]] = .integer(1)
        }
        object[path: ["metadata", "creationTimestamp"]] = .string(KubeTime.string(from: clock()))
        object[path: ["metadata", "deletionTimestamp"]] = nil
        object[path: ["metadata", "deletionGracePeriodSeconds"]] = nil
        if type == .namespaces {
            if object[path: ["spec", "finalizers"]] == nil { object[path: ["spec", "finalizers"]] = ["kubernetes"] }
            object[path: ["status", "phase"]] = "Active"
        }
        CreateDefaults.apply(to: &object, type: type)
        return commit(type, namespace: resolvedNamespace, key: key, eventType: .added, object: object, previous: nil)
    }

    func get(type: ResourceType, namespace: String?, name: String) throws(Status) -> JSONValue {
        guard let object = objects[type]?[Self.key(type, namespace: namespace, name: name)] else {
            throw Status.notFound(type, name: name)
        }
        return object
    }

    /// PUT (or the `status` subresource when `status`): replaces the object, keeping what
    /// clients may not change, with `metadata.resourceVersion` as an optimistic lock. With
    /// `dryRun`, the object as it would be stored, storing nothing (no new version, no event).
    mutating func update(_ body: JSONValue, type: ResourceType, namespace: String?, name pathName: String?,
        status: Bool, dryRun: Bool = false) throws(Status) -> JSONValue
    {
        guard case .object = body else { throw Status.badRequest("the body of the request was not a JSON object") }
        let bodyName = Self.metadataString(body, "name") ?? ""
        let name = pathName ?? bodyName
        if !bodyName.isEmpty, bodyName != name {
            throw Status.badRequest("the name of the object (\(bodyName)) does not match the name on the URL (\(name))")
        }
        if let mismatch = namespaceMismatch(body, type: type, namespace: namespace) { throw mismatch }
        let namespace = type.namespaced ? namespace ?? Self.metadataString(body, "namespace") : nil
        let key = Self.key(type, namespace: namespace, name: name)
        guard let old = objects[type]?[key] else { throw Status.notFound(type, name: name) }
        let oldVersion = Self.metadataString(old, "resourceVersion")
        if let given = Self.metadataString(body, "resourceVersion"), !given.isEmpty, given != oldVersion {
            throw Status.conflict(type, name: name)
        }

        var object: JSONValue
        if status {
            object = old
            object.setMember("status", body["status"])
        } else {
            object = body
            if type.subresources.contains("status") { object.setMember("status", old["status"]) }
        }
        for field in ["name", "namespace", "uid", "creationTimestamp", "deletionTimestamp",
            "deletionGracePeriodSeconds", "generation", "resourceVersion"]
        {
            object[path: ["metadata", field]] = old[path: ["metadata", field]]
        }
        object.setMember("kind", old["kind"])
        object.setMember("apiVersion", old["apiVersion"])
        if !status { CreateDefaults.applyOnUpdate(to: &object, type: type) }
        if !status, !Self.sameContent(object["spec"] ?? .null, old["spec"] ?? .null),
            let generation = old[path: ["metadata", "generation"]]?.int64Value
        {
            object[path: ["metadata", "generation"]] = .integer(generation + 1)
        }
        // A no-op write commits nothing, as etcd3's GuaranteedUpdate (member order aside).
        if Self.sameContent(object, old) { return old }
        if dryRun { return object }
        if Self.isBeingDeleted(object), Self.pendingFinalizers(object, type: type).isEmpty {
            return commit(type, namespace: namespace, key: key, eventType: .deleted, object: object, previous: old)
        }
        return commit(type, namespace: namespace, key: key, eventType: .modified, object: object, previous: old)
    }

    mutating func patch(type: ResourceType, namespace: String?, name: String, patch: JSONValue, kind: PatchKind,
        status: Bool, dryRun: Bool = false) throws(Status) -> JSONValue
    {
        let old = try get(type: type, namespace: namespace, name: name)
        let patched = try Self.apply(patch, kind: kind, to: old)
        return try update(patched, type: type, namespace: namespace, name: name, status: status, dryRun: dryRun)
    }

    /// `patch` applied to `old`, with the apiserver's errors (see `PatchKind.apply`).
    static func apply(_ patch: JSONValue, kind: PatchKind, to old: JSONValue) throws(Status) -> JSONValue {
        try kind.apply(patch, to: old)
    }

    mutating func delete(type: ResourceType, namespace: String?, name: String, options: DeleteOptions)
        throws(Status) -> DeleteResult
    {
        let key = Self.key(type, namespace: namespace, name: name)
        guard let old = objects[type]?[key] else { throw Status.notFound(type, name: name) }
        // batch/v1 Jobs keep the legacy default of orphaning their pods (the Job registry's
        // DefaultGarbageCollectionPolicy); kubectl sends Background explicitly.
        let policy = options.propagationPolicy ?? (type == .jobs ? .orphan : nil)
        if let policy { deletePolicies[type, default: [:]][key] = policy }
        if options.dryRun || Self.isBeingDeleted(old) {
            return DeleteResult(object: old, removed: false, propagationPolicy: policy)
        }
        var object = old
        var meta = ObjectMeta(json: object["metadata"] ?? .emptyObject)
        var finalizers = meta.finalizers
        if policy == .foreground {
            finalizers.removeAll { $0 == "orphan" }
            if !finalizers.contains("foregroundDeletion") { finalizers.append("foregroundDeletion") }
        } else if policy == .orphan {
            finalizers.removeAll { $0 == "foregroundDeletion" }
            if !finalizers.contains("orphan") { finalizers.append("orphan") }
        }
        if finalizers != meta.finalizers { meta.finalizers = finalizers }
        object.setMember("metadata", meta.json)
        if Self.pendingFinalizers(object, type: type).isEmpty {
            let stored = commit(type, namespace: namespace, key: key, eventType: .deleted, object: object, previous: old)
            return DeleteResult(object: stored, removed: true, propagationPolicy: policy)
        }
        object[path: ["metadata", "deletionTimestamp"]] = .string(KubeTime.string(from: clock()))
        object[path: ["metadata", "deletionGracePeriodSeconds"]] = .integer(options.gracePeriodSeconds ?? 0)
        if type == .namespaces { object[path: ["status", "phase"]] = "Terminating" }
        let stored = commit(type, namespace: namespace, key: key, eventType: .modified, object: object, previous: old)
        return DeleteResult(object: stored, removed: false, propagationPolicy: policy)
    }

    /// JSON equality that ignores the order of object members.
    static func sameContent(_ a: JSONValue, _ b: JSONValue) -> Bool {
        switch (a, b) {
        case (.object(let x), .object(let y)):
            guard x.count == y.count else { return false }
            return x.allSatisfy { member in b[member.key].map { sameContent(member.value, $0) } ?? false }
        case (.array(let x), .array(let y)):
            return x.count == y.count && zip(x, y).allSatisfy { sameContent($0, $1) }
        default:
            return a == b
        }
    }

    // MARK: - Reads

    /// The objects of `type` as they were at `revision` (undoing later changes), or `nil`
    /// when that revision has been compacted.
    func snapshot(_ type: ResourceType, at target: Int64) -> [String: JSONValue]? {
        var state = objects[type] ?? [:]
        guard target < revision else { return state }
        guard target >= compactedRevision else { return nil }
        for change in history.reversed() {
            guard change.revision > target else { break }
            guard change.type == type else { continue }
            if let previous = change.previous { state[change.key] = previous } else { state.removeValue(forKey: change.key) }
        }
        return state
    }

    static let continueTooOld = "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue value from the response to get the next page."

    func list(type: ResourceType, namespace: String?, options: ListOptions) throws(Status) -> JSONValue {
        let (labels, fields) = try Self.selectors(type, options)
        var at = revision
        var startKey: String?
        if let token = options.continue, !token.isEmpty {
            let decoded = try ContinueToken(decoding: token)
            at = decoded.revision
            startKey = decoded.start
            guard snapshot(type, at: at) != nil else {
                throw Status.make(code: 410, reason: "Expired", message: Self.continueTooOld)
            }
        } else if options.resourceVersionMatch == "Exact", let text = options.resourceVersion, let exact = Int64(text) {
            at = exact
        }
        guard let state = snapshot(type, at: at) else {
            throw Status.expired(requested: String(at), current: String(compactedRevision))
        }
        let prefix = type.namespaced ? namespace.map { "\($0)/" } : nil
        var matched: [(key: String, object: JSONValue)] = []
        for key in state.keys.sorted() {
            if let prefix, !key.hasPrefix(prefix) { continue }
            if let startKey, key < startKey { continue }
            let object = state[key]!
            if labels.matches(object), fields.matches(object) { matched.append((key, object)) }
        }
        var metadata: JSONValue = ["resourceVersion": .string(String(at))]
        if let limit = options.limit, limit > 0, matched.count > Int(limit) {
            let remaining = matched.count - Int(limit)
            matched.removeLast(remaining)
            let token = ContinueToken(revision: at, start: matched[matched.count - 1].key + "\u{0}")
            metadata.setMember("continue", .string(token.encoded))
            if labels.isEmpty, fields.isEmpty { metadata.setMember("remainingItemCount", .integer(Int64(remaining))) }
        }
        let items = matched.map { entry -> JSONValue in
            var item = entry.object
            item.setMember("kind", nil)
            item.setMember("apiVersion", nil)
            return item
        }
        return [
            "kind": .string(type.kind + "List"), "apiVersion": .string(type.apiVersion), "metadata": metadata,
            "items": .array(items),
        ]
    }

    static func selectors(_ type: ResourceType, _ options: ListOptions) throws(Status) -> (LabelSelector, FieldSelector) {
        let labels: LabelSelector
        let fields: FieldSelector
        do { labels = try options.parsedLabelSelector() } catch { throw Status.badRequest(error.message) }
        do { fields = try options.parsedFieldSelector() } catch { throw Status.badRequest(error.message) }
        if let unsupported = type.supportsFieldSelector(fields) { throw Status.badRequest(unsupported) }
        return (labels, fields)
    }

    // MARK: - Watch

    /// The events a new watch starts with, or the 410 it ends with at once.
    func initialEvents(for watcher: Watcher, resourceVersion: String?) throws(Status) -> Result<[WatchEvent], Status> {
        let text = resourceVersion ?? ""
        if text.isEmpty || text == "0" {
            let state = objects[watcher.type] ?? [:]
            return .success(state.keys.sorted().compactMap { key in
                let object = state[key]!
                if let namespace = watcher.namespace, Self.metadataString(object, "namespace") != namespace { return nil }
                return watcher.matches(object) ? WatchEvent(type: .added, object: object) : nil
            })
        }
        guard let from = Int64(text), from >= 0 else {
            throw Status.badRequest("resourceVersion: Invalid value: \"\(text)\": must be a non-negative integer")
        }
        if from < compactedRevision {
            return .failure(Status.expired(requested: text, current: String(compactedRevision)))
        }
        return .success(history.filter { $0.revision > from }.compactMap(watcher.event(for:)))
    }

    /// Delivers a change to every watcher, closing those that cannot take it.
    mutating func notify(_ change: StoreChange) {
        for (id, watcher) in watchers {
            if watcher.gone.isSet {
                watchers.removeValue(forKey: id)
                continue
            }
            guard let event = watcher.event(for: change) else { continue }
            if !watcher.push(event) { endWatch(id) }
        }
    }

    mutating func sendBookmarks() {
        for (id, watcher) in watchers where watcher.allowBookmarks {
            if watcher.gone.isSet || !watcher.push(.bookmark(watcher.type, resourceVersion: String(revision))) {
                endWatch(id)
            }
        }
    }

    mutating func endWatch(_ id: Int) {
        guard let watcher = watchers.removeValue(forKey: id) else { return }
        watcher.continuation.finish()
    }
}
