import FlightdeckCore
import FlightdeckTestSupport
import Foundation
import KubeClient
import KubeModel
import SimServer
import Testing

/// `coordination.k8s.io/v1` Leases through the real client, as leader election uses them:
/// written to pass against a real kube-apiserver too (`FLIGHTDECK_TEST_KUBECONFIG`), so errors
/// are asserted by code and reason, never by sentence.
@Suite(.timeLimit(.minutes(2))) struct LeaseTests {
    static func lease(_ name: String, namespace: String, holder: String, at time: Date) -> Lease {
        var lease = Lease(name: name, namespace: namespace)
        lease.holderIdentity = holder
        lease.leaseDurationSeconds = 15
        lease.acquireTime = time
        lease.renewTime = time
        lease.leaseTransitions = 0
        return lease
    }

    @Test func discoveryServesLeases() async throws {
        try await withCluster { cluster in
            let resources = try await cluster.api.json(APIRequest(method: "GET", path: "/apis/coordination.k8s.io/v1"))
            let lease = (resources["resources"]?.arrayValue ?? []).first { $0["name"]?.stringValue == "leases" }
            #expect(lease?["kind"]?.stringValue == "Lease")
            #expect(lease?["namespaced"] == .bool(true))
            let verbs = (lease?["verbs"]?.arrayValue ?? []).compactMap(\.stringValue)
            for verb in ["create", "get", "list", "watch", "update", "patch", "delete"] {
                #expect(verbs.contains(verb), "verb \(verb)")
            }
        }
    }

    @Test func createGetAndTypedFieldsRoundTrip() async throws {
        try await withCluster { cluster in
            let acquired = Date(timeIntervalSince1970: 1_800_000_000.25)
            let created = Lease(json: try await cluster.api.create(.leases, namespace: cluster.namespace,
                Self.lease("admitter", namespace: cluster.namespace, holder: "keeper-a", at: acquired).json))
            #expect(created.metadata.resourceVersion?.isEmpty == false)
            let fetched = try await cluster.api.get(Lease.self, namespace: cluster.namespace, name: "admitter")
            #expect(fetched.holderIdentity == "keeper-a")
            #expect(fetched.leaseDurationSeconds == 15)
            #expect(fetched.leaseTransitions == 0)
            // MicroTime keeps microseconds.
            #expect(fetched.renewTime.map { abs($0.timeIntervalSince(acquired)) < 0.000_01 } == true)
            #expect(fetched.isHeld(at: acquired.addingTimeInterval(10)))
            #expect(!fetched.isHeld(at: acquired.addingTimeInterval(15)))

            let list = try await cluster.api.list(.leases, namespace: cluster.namespace)
            #expect((list["items"]?.arrayValue ?? []).contains { $0[path: ["metadata", "name"]]?.stringValue == "admitter" })
        }
    }

    /// Two keepers read the same version; the first update wins, the second is a 409 Conflict
    /// and changes nothing: what makes "two keepers never admit the same slot twice" hold.
    @Test func staleUpdateIsAConflict() async throws {
        try await withCluster { cluster in
            let ns = cluster.namespace
            let start = Date(timeIntervalSince1970: 1_800_000_000)
            _ = try await cluster.api.create(.leases, namespace: ns, Self.lease("admitter", namespace: ns, holder: "keeper-a", at: start).json)
            let read = try await cluster.api.get(Lease.self, namespace: ns, name: "admitter")

            var renewed = read
            renewed.renewTime = start.addingTimeInterval(5)
            let written = Lease(json: try await cluster.api.update(.leases, namespace: ns, name: "admitter", renewed.json))
            #expect(written.metadata.resourceVersion != read.metadata.resourceVersion)

            var takeover = read  // still at the version read before keeper-a's renewal
            takeover.holderIdentity = "keeper-b"
            takeover.leaseTransitions = 1
            do {
                _ = try await cluster.api.update(.leases, namespace: ns, name: "admitter", takeover.json)
                Issue.record("expected a 409 Conflict for a stale resourceVersion")
            } catch let error as APIError {
                #expect(error.code == 409)
                #expect(error.reason == "Conflict")
                #expect(error.status.details?.name == "admitter")
                #expect(error.status.details?.group == "coordination.k8s.io")
                #expect(error.status.details?.kind == "leases")
            }
            let after = try await cluster.api.get(Lease.self, namespace: ns, name: "admitter")
            #expect(after.holderIdentity == "keeper-a")
            #expect(after.metadata.resourceVersion == written.metadata.resourceVersion)

            // With the current version the takeover goes through.
            var fresh = after
            fresh.holderIdentity = "keeper-b"
            fresh.leaseTransitions = 1
            let taken = Lease(json: try await cluster.api.update(.leases, namespace: ns, name: "admitter", fresh.json))
            #expect(taken.holderIdentity == "keeper-b")
            #expect(taken.leaseTransitions == 1)
        }
    }

    @Test func watchSeesCreateUpdatePatchAndDelete() async throws {
        try await withCluster { cluster in
            let ns = cluster.namespace
            let start = Date(timeIntervalSince1970: 1_800_000_000)
            let listed = try await cluster.api.list(.leases, namespace: ns)
            let version = listed[path: ["metadata", "resourceVersion"]]?.stringValue ?? "0"
            let events = cluster.api.watch(.leases, namespace: ns, options: ListOptions(resourceVersion: version, timeoutSeconds: 30))

            let created = Lease(json: try await cluster.api.create(.leases, namespace: ns,
                Self.lease("admitter", namespace: ns, holder: "keeper-a", at: start).json))
            var renewed = created
            renewed.renewTime = start.addingTimeInterval(5)
            _ = try await cluster.api.update(.leases, namespace: ns, name: "admitter", renewed.json)
            _ = try await cluster.api.patch(.leases, namespace: ns, name: "admitter", ["spec": ["holderIdentity": "keeper-b"]])
            try await cluster.api.delete(.leases, namespace: ns, name: "admitter")

            var seen: [(WatchEventType, String?)] = []
            for try await event in events where event.type != .bookmark {
                seen.append((event.type, Lease(json: event.object).holderIdentity))
                if event.type == .deleted { break }
            }
            #expect(seen.map { $0.0 } == [.added, .modified, .modified, .deleted])
            #expect(seen.map { $0.1 } == ["keeper-a", "keeper-a", "keeper-b", "keeper-b"])
        }
    }

    /// kube-apiserver's Lease validation: a duration that is not positive is a 422 naming the field.
    @Test func aLeaseWithoutAPositiveDurationIsInvalid() async throws {
        try await withCluster { cluster in
            var lease = Self.lease("bad", namespace: cluster.namespace, holder: "keeper-a", at: Date(timeIntervalSince1970: 1_800_000_000))
            lease.leaseDurationSeconds = 0
            do {
                _ = try await cluster.api.create(.leases, namespace: cluster.namespace, lease.json)
                Issue.record("accepted leaseDurationSeconds 0")
            } catch let error as APIError {
                #expect(error.code == 422)
                #expect(error.reason == "Invalid")
                #expect(error.status.details?.causes.map { $0.field } == ["spec.leaseDurationSeconds"])
            }
        }
    }
}
