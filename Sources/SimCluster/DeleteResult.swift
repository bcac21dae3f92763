import FlightdeckCore
import KubeModel

/// What a delete did. The object is what the apiserver returns; `removed` tells a removal
/// from a deletion that waits on finalizers; `propagationPolicy` is the caller's request,
/// kept for the garbage-collector controller (the store itself does not cascade).
public struct DeleteResult: Sendable, Hashable {
    /// The object as deleted (at the deletion's revision) or as now being deleted.
    public var object: JSONValue
    /// `true` when the object is gone; `false` when it only got a `deletionTimestamp`.
    public var removed: Bool
    public var propagationPolicy: PropagationPolicy?

    public init(object: JSONValue, removed: Bool, propagationPolicy: PropagationPolicy?) {
        self.object = object
        self.removed = removed
        self.propagationPolicy = propagationPolicy
    }
}
