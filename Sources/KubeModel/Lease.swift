import FlightdeckCore
import Foundation

/// `coordination.k8s.io/v1` `Lease`: a named, time-bounded claim that controllers use for
/// leader election. Whoever holds an unexpired lease acts; the others wait.
///
/// Why a typed view: Flightdeck's admitter (a `flightdeck record` keeper) takes one so that
/// two keepers never admit the same slot twice. Its safety rests on the API server's
/// optimistic concurrency — an `update` carrying a stale `metadata.resourceVersion` is
/// refused with 409 Conflict — not on clocks, which only decide when a lease may be taken over.
public struct Lease: KubeObject {
    public static let resourceType = ResourceType.leases
    public var json: JSONValue
    public init(json: JSONValue) { self.json = json }

    public var spec: LeaseSpec {
        get { self[view: "spec"] }
        set { self[view: "spec"] = newValue }
    }

    /// `spec.holderIdentity`: who holds the lease (e.g. `hostname_pid`).
    public var holderIdentity: String? {
        get { spec.holderIdentity }
        set { spec.holderIdentity = newValue }
    }
    public var leaseDurationSeconds: Int? {
        get { spec.leaseDurationSeconds }
        set { spec.leaseDurationSeconds = newValue }
    }
    public var acquireTime: Date? {
        get { spec.acquireTime }
        set { spec.acquireTime = newValue }
    }
    public var renewTime: Date? {
        get { spec.renewTime }
        set { spec.renewTime = newValue }
    }
    public var leaseTransitions: Int? {
        get { spec.leaseTransitions }
        set { spec.leaseTransitions = newValue }
    }

    /// Whether a holder's last renewal (or acquisition) is less than `leaseDurationSeconds`
    /// old at `now`: while it is, nobody else may take the lease over.
    public func isHeld(at now: Date) -> Bool {
        guard let holder = holderIdentity, !holder.isEmpty, let duration = leaseDurationSeconds,
            let renewed = renewTime ?? acquireTime
        else { return false }
        return now < renewed.addingTimeInterval(TimeInterval(duration))
    }
}

/// A Lease's `spec`.
public struct LeaseSpec: JSONView {
    public var json: JSONValue
    public init(json: JSONValue) { self.json = json }

    /// Who holds the lease (e.g. `hostname_pid`).
    public var holderIdentity: String? {
        get { self[field: "holderIdentity"] }
        set { self[field: "holderIdentity"] = newValue }
    }
    /// How long after `renewTime` the others must wait before taking the lease over.
    public var leaseDurationSeconds: Int? {
        get { self[field: "leaseDurationSeconds"] }
        set { self[field: "leaseDurationSeconds"] = newValue }
    }
    /// When the current holder took the lease (MicroTime).
    public var acquireTime: Date? {
        get { self[microTime: "acquireTime"] }
        set { self[microTime: "acquireTime"] = newValue }
    }
    /// When the holder last said it is alive (MicroTime).
    public var renewTime: Date? {
        get { self[microTime: "renewTime"] }
        set { self[microTime: "renewTime"] = newValue }
    }
    /// How many times the lease changed holders.
    public var leaseTransitions: Int? {
        get { self[field: "leaseTransitions"] }
        set { self[field: "leaseTransitions"] = newValue }
    }
}
