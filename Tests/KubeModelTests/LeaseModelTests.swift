import FlightdeckCore
import Foundation
import KubeModel
import Testing

/// The typed `Lease` view: fields as kube-apiserver writes them (MicroTime with microseconds),
/// unknown fields kept, and when a lease counts as held.
@Suite struct LeaseModelTests {
    @Test func readsAndWritesTheSpecAsTheAPIServerDoes() throws {
        let lease = try Lease(decoding: """
            {"apiVersion":"coordination.k8s.io/v1","kind":"Lease","metadata":{"name":"kube-scheduler","namespace":"kube-system"},
             "spec":{"holderIdentity":"node-1_5f0c","leaseDurationSeconds":15,"acquireTime":"2026-12-04T20:00:00.000000Z",
             "renewTime":"2026-12-04T20:00:10.250000Z","leaseTransitions":3,"strategy":"OldestEmulationVersion"}}
            """)
        #expect(lease.holderIdentity == "node-1_5f0c")
        #expect(lease.leaseDurationSeconds == 15)
        #expect(lease.leaseTransitions == 3)
        let acquired = try #require(lease.acquireTime)
        #expect(lease.renewTime == acquired.addingTimeInterval(10.25))
        #expect(lease.isHeld(at: acquired.addingTimeInterval(25.2)))
        #expect(!lease.isHeld(at: acquired.addingTimeInterval(25.25)), "15 s after the last renewal it may be taken over")

        var taken = lease
        taken.holderIdentity = "node-2_77aa"
        taken.leaseTransitions = 4
        taken.renewTime = acquired.addingTimeInterval(30.5)
        #expect(taken.json[path: ["spec", "renewTime"]]?.stringValue == "2026-12-04T20:00:30.500000Z")
        #expect(taken.json[path: ["spec", "strategy"]]?.stringValue == "OldestEmulationVersion", "unknown fields survive")
        #expect(taken.json[path: ["spec", "acquireTime"]] == lease.json[path: ["spec", "acquireTime"]])
    }

    @Test func aNewLeaseIsEmptyAndNotHeld() {
        var lease = Lease(name: "flightdeck-admitter", namespace: "agents")
        #expect(lease.apiVersion == "coordination.k8s.io/v1")
        #expect(lease.kind == "Lease")
        #expect(lease.json["spec"] == nil)
        #expect(!lease.isHeld(at: Date()))
        lease.holderIdentity = "keeper-a"
        #expect(!lease.isHeld(at: Date()), "no duration, no renewal: nobody holds it")
        #expect(ResourceType.lookup("leases") == .leases)
        #expect(ResourceType.lookup("lease.coordination.k8s.io") == .leases)
    }
}
