import FlightdeckCore
import KubeModel

/// One committed write, as kept in the history: what watch replays and what a paginated
/// list undoes to read an older snapshot (hence `previous`).
struct StoreChange: Sendable {
    var revision: Int64
    var type: ResourceType
    var namespace: String?
    /// The storage key (`namespace/name`, or `name` for cluster-scoped types).
    var key: String
    /// `ADDED`, `MODIFIED` or `DELETED`.
    var eventType: WatchEventType
    /// The object after the write (for `DELETED`, its last state at the deletion revision).
    var object: JSONValue
    /// The stored object before the write; `nil` for `ADDED`.
    var previous: JSONValue?
}
