import FlightdeckCore
import KubeModel

/// The list-then-watch state machine of client-go's reflector and informer, as pure logic.
///
/// The driver (which owns the HTTP streams and the clock) feeds it what happened — a list
/// result, a watch event, a stream's end, the passing of time — and carries out the effects
/// it returns. It guarantees what consumers rely on:
/// - list, then watch from the list's resourceVersion; bookmarks advance it;
/// - on 410 Gone, relist at once (the watch history no longer reaches back);
/// - never go back in time: events and lists older than what was seen are ignored;
/// - a dropped stream resumes from the last resourceVersion after a backoff; a stream that
///   ends cleanly (the server's `timeoutSeconds`) resumes at once;
/// - a stream silent for `silenceTimeout` (no event, no bookmark) is replaced;
/// - after a relist, objects that vanished while disconnected are delivered as deletions,
///   so consumers end in the same state whether or not connections dropped.
public struct Reflector: Sendable {
    public enum Effect: Sendable, Hashable {
        case list
        case watch(from: String)
        case cancelWatch
    }

    public enum Delta: Sendable, Hashable {
        case added(JSONValue)
        case modified(JSONValue)
        case deleted(JSONValue)
    }

    /// What to do now, and what changed for consumers.
    public struct Step: Sendable, Hashable {
        public var effects: [Effect] = []
        public var deltas: [Delta] = []
    }

    private enum Phase: Sendable, Hashable {
        case idle
        case listing
        case watching(lastActivity: Double)
        case waiting(until: Double, then: Effect)
    }

    /// The cache: every object, by `namespace/name`.
    public private(set) var objects: [String: JSONValue] = [:]
    public private(set) var resourceVersion: String?
    public var silenceTimeout: Double
    private var backoff: Backoff
    private var phase: Phase = .idle

    public init(backoff: Backoff = Backoff(), silenceTimeout: Double = 15) {
        self.backoff = backoff
        self.silenceTimeout = silenceTimeout
    }

    /// When the driver must call `tick` next, if anything is pending.
    public var nextDeadline: Double? {
        switch phase {
        case let .waiting(until, _): until
        case let .watching(lastActivity): lastActivity + silenceTimeout
        case .idle, .listing: nil
        }
    }

    public mutating func start() -> Step {
        phase = .listing
        return Step(effects: [.list])
    }

    // MARK: - Inputs

    public mutating func listed(items: [JSONValue], resourceVersion listVersion: String, now: Double, random: Double) -> Step {
        if let current = resourceVersion, Self.isOlder(listVersion, than: current) {
            // A stale list (a lagging cache): try again rather than go back in time.
            return retry(.list, now: now, random: random)
        }
        var step = Step()
        var fresh: [String: JSONValue] = [:]
        for item in items {
            let key = Self.key(item)
            fresh[key] = item
            if let old = objects[key] {
                if Self.uid(old) != Self.uid(item) {
                    step.deltas.append(.deleted(old))
                    step.deltas.append(.added(item))
                } else if Self.version(old) != Self.version(item) {
                    step.deltas.append(.modified(item))
                }
            } else {
                step.deltas.append(.added(item))
            }
        }
        for (key, old) in objects.sorted(by: { $0.key < $1.key }) where fresh[key] == nil {
            step.deltas.append(.deleted(old))
        }
        objects = fresh
        resourceVersion = listVersion
        phase = .watching(lastActivity: now)
        step.effects = [.watch(from: listVersion)]
        return step
    }

    public mutating func listFailed(now: Double, random: Double) -> Step {
        retry(.list, now: now, random: random)
    }

    public mutating func received(_ event: WatchEvent, now: Double, random: Double) -> Step {
        guard case .watching = phase else { return Step() }
        phase = .watching(lastActivity: now)
        let eventVersion = event.resourceVersion
        switch event.type {
        case .bookmark:
            if let eventVersion, !Self.isOlder(eventVersion, than: resourceVersion) { resourceVersion = eventVersion }
            return Step()
        case .error:
            if event.status?.code == 410 {
                // The history no longer reaches our version: start over from a fresh list.
                resourceVersion = nil
                phase = .listing
                return Step(effects: [.cancelWatch, .list])
            }
            var step = retry(.watch(from: resourceVersion ?? "0"), now: now, random: random)
            step.effects.insert(.cancelWatch, at: 0)
            return step
        default:
            if let eventVersion, Self.isOlder(eventVersion, than: resourceVersion) { return Step() }
            let object = event.object
            let key = Self.key(object)
            var step = Step()
            if event.type == .deleted {
                if objects.removeValue(forKey: key) != nil { step.deltas.append(.deleted(object)) }
            } else if let old = objects[key], Self.uid(old) == Self.uid(object) {
                objects[key] = object
                step.deltas.append(.modified(object))
            } else {
                if let old = objects[key] { step.deltas.append(.deleted(old)) }
                objects[key] = object
                step.deltas.append(.added(object))
            }
            if let eventVersion { resourceVersion = eventVersion }
            return step
        }
    }

    /// The watch stream ended: cleanly (`failed` false: the server's timeout) or not.
    public mutating func watchEnded(failed: Bool, now: Double, random: Double) -> Step {
        guard case .watching = phase else { return Step() }
        let resume = Effect.watch(from: resourceVersion ?? "0")
        if !failed {
            phase = .watching(lastActivity: now)
            return Step(effects: [resume])
        }
        return retry(resume, now: now, random: random)
    }

    /// Time passed: run a pending retry, or replace a stream that went silent.
    public mutating func tick(now: Double) -> Step {
        switch phase {
        case let .waiting(until, then) where now >= until:
            if case .list = then { phase = .listing } else { phase = .watching(lastActivity: now) }
            return Step(effects: [then])
        case let .watching(lastActivity) where now - lastActivity >= silenceTimeout:
            phase = .watching(lastActivity: now)
            return Step(effects: [.cancelWatch, .watch(from: resourceVersion ?? "0")])
        default:
            return Step()
        }
    }

    // MARK: - Helpers

    private mutating func retry(_ effect: Effect, now: Double, random: Double) -> Step {
        phase = .waiting(until: now + backoff.delay(now: now, random: random), then: effect)
        return Step()
    }

    static func key(_ object: JSONValue) -> String {
        let namespace = object[path: ["metadata", "namespace"]]?.stringValue ?? ""
        let name = object[path: ["metadata", "name"]]?.stringValue ?? ""
        return namespace + "/" + name
    }

    private static func uid(_ object: JSONValue) -> String? { object[path: ["metadata", "uid"]]?.stringValue }
    private static func version(_ object: JSONValue) -> String? {
        object[path: ["metadata", "resourceVersion"]]?.stringValue
    }

    /// resourceVersions are opaque, but etcd-backed servers (k3s included) use increasing
    /// integers; only those are compared. Anything else is never "older".
    static func isOlder(_ version: String, than current: String?) -> Bool {
        guard let current, let a = UInt64(version), let b = UInt64(current) else { return false }
        return a < b
    }
}
