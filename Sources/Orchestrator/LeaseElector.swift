import FlightdeckCore
import Foundation
import KubeClient
import KubeModel

/// Leader election on a `coordination.k8s.io/v1` Lease, as Kubernetes controllers do it
/// (client-go's `leaderelection`): take the Lease when nobody holds it or its holder stopped
/// renewing, renew it while leading, act only while a renewal is recent.
///
/// Why it is safe:
/// - Every write is an update carrying the `resourceVersion` just read, so of two candidates
///   that read the same Lease at once only one write succeeds (409 Conflict for the other).
/// - Expiry is judged on this process's own clock, from when *it* last saw the Lease change
///   (not from the holder's `renewTime`, which another machine's clock wrote): clock skew
///   between machines does not matter, only clock rates.
/// - A leader acts only until `renewDeadline` (two thirds of the duration) after its last
///   renewal, so it has stopped before anyone else may take over (after the full duration).
public struct LeaseElector: Sendable {
    public let api: KubeAPI
    public let namespace: String
    public let name: String
    /// Who this process is on the Lease (`hostname_pid_random`).
    public let identity: String
    /// `leaseDurationSeconds`: how long others wait after the last renewal they saw.
    public let duration: Int

    /// The Lease's spec as last read, and when (this clock) it was first seen like that.
    private var observed: (spec: JSONValue, at: Date)?
    /// When this process last took or renewed the Lease (this clock); `nil`: not leading.
    public private(set) var renewedAt: Date?

    public init(api: KubeAPI, namespace: String, name: String, identity: String, duration: Int) {
        self.api = api
        self.namespace = namespace
        self.name = name
        self.identity = identity
        self.duration = max(1, duration)
    }

    /// How long a leader may act after renewing: two thirds of `duration`.
    public var renewDeadline: TimeInterval { TimeInterval(duration) * 2 / 3 }
    /// How often a leader renews and a candidate tries: a third of `duration`.
    public var retryPeriod: TimeInterval { TimeInterval(duration) / 3 }

    /// Whether this process may act as leader at `now`.
    public func isLeading(at now: Date) -> Bool {
        guard let renewedAt else { return false }
        return now.timeIntervalSince(renewedAt) < renewDeadline
    }

    /// Who holds the Lease as last read (`nil`: nobody, or not read yet).
    public var observedHolder: String? {
        guard let holder = observed?.spec["holderIdentity"]?.stringValue, !holder.isEmpty else { return nil }
        return holder
    }

    /// Takes the Lease or renews it; `true` when this process leads afterwards. A lost race is
    /// `false`, not an error; what the API refuses (403, an unreachable server) is thrown.
    public mutating func acquireOrRenew(now: Date = Date()) async throws -> Bool {
        let current: Lease
        do {
            current = try await api.get(Lease.self, namespace: namespace, name: name)
        } catch let error as APIError where error.code == 404 {
            return try await create(now: now)
        }
        let spec = current.spec.json
        if observed?.spec != spec { observed = (spec, now) }
        let holder = current.holderIdentity ?? ""
        if !holder.isEmpty, holder != identity {
            let waitFor = TimeInterval(current.leaseDurationSeconds ?? duration)
            if let seen = observed?.at, now.timeIntervalSince(seen) < waitFor {
                renewedAt = nil
                return false
            }
        }
        var next = current
        next.holderIdentity = identity
        next.leaseDurationSeconds = duration
        next.renewTime = now
        if holder != identity {
            next.acquireTime = now
            next.leaseTransitions = (current.leaseTransitions ?? 0) + (holder.isEmpty ? 0 : 1)
        }
        do {
            let written = try await api.update(.leases, namespace: namespace, name: name, next.json)
            observed = (Lease(json: written).spec.json, now)
            renewedAt = now
            return true
        } catch let error as APIError where error.code == 409 {
            renewedAt = nil
            return false
        }
    }

    /// Gives the Lease up (when stopping), so another keeper takes over at once instead of
    /// after `duration`. Best effort: a failure leaves it to expire.
    public mutating func release(now: Date = Date()) async {
        guard renewedAt != nil else { return }
        renewedAt = nil
        guard var current = try? await api.get(Lease.self, namespace: namespace, name: name),
            current.holderIdentity == identity
        else { return }
        current.holderIdentity = ""
        current.leaseDurationSeconds = 1
        current.renewTime = now
        _ = try? await api.update(.leases, namespace: namespace, name: name, current.json)
    }

    private mutating func create(now: Date) async throws -> Bool {
        var lease = Lease(json: [
            "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
            "metadata": ["name": .string(name), "namespace": .string(namespace),
                "labels": ["app.kubernetes.io/managed-by": "flightdeck"]],
            "spec": .emptyObject,
        ])
        lease.holderIdentity = identity
        lease.leaseDurationSeconds = duration
        lease.acquireTime = now
        lease.renewTime = now
        lease.leaseTransitions = 0
        do {
            let written = try await api.create(.leases, namespace: namespace, lease.json)
            observed = (Lease(json: written).spec.json, now)
            renewedAt = now
            return true
        } catch let error as APIError where error.code == 409 {
            return false
        }
    }
}
