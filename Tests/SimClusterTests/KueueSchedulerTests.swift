import FlightdeckCore
import Foundation
import KubeModel
import Testing
@testable import SimCluster

/// Kueue's admission decision for one ClusterQueue, without a store.
@Suite struct KueueSchedulerTests {
    static let start = Date(timeIntervalSince1970: 1_780_000_000)

    static func queue(pods: Decimal = 2, cpu: Decimal? = 4, memory: Decimal? = nil,
        strategy: KueueScheduler.Strategy = .strictFIFO) -> KueueScheduler.Queue
    {
        var flavorFor = ["pods": "default-flavor"]
        var nominal: [String: Decimal] = ["pods": pods]
        if let cpu {
            flavorFor["cpu"] = "default-flavor"
            nominal["cpu"] = cpu
        }
        if let memory {
            flavorFor["memory"] = "default-flavor"
            nominal["memory"] = memory
        }
        return KueueScheduler.Queue(name: "homelab", strategy: strategy, flavorFor: flavorFor,
            nominal: ["default-flavor": nominal])
    }

    static func candidate(_ name: String, priority: Int = 0, secondsAfterStart: Double = 0, pods: Int = 1,
        cpu: Decimal = 1, memory: Decimal? = nil) -> KueueScheduler.Candidate
    {
        var total: [String: Decimal] = ["pods": Decimal(pods), "cpu": cpu * Decimal(pods)]
        if let memory { total["memory"] = memory * Decimal(pods) }
        return KueueScheduler.Candidate(key: "agents/\(name)", priority: priority,
            created: start.addingTimeInterval(secondsAfterStart),
            requests: KueuePodSetRequests(total: total, count: pods))
    }

    static func admitted(_ results: [(KueueScheduler.Candidate, KueueScheduler.Decision)]) -> [String] {
        results.compactMap { candidate, decision in
            if case .admit = decision { return candidate.key } else { return nil }
        }
    }

    @Test func ordersByPriorityThenCreationThenName() {
        let ordered = KueueScheduler.ordered([
            Self.candidate("old-low", priority: 100, secondsAfterStart: 0),
            Self.candidate("new-high", priority: 300, secondsAfterStart: 9),
            Self.candidate("old-high", priority: 300, secondsAfterStart: 1),
            Self.candidate("b-normal", priority: 200, secondsAfterStart: 5),
            Self.candidate("a-normal", priority: 200, secondsAfterStart: 5),
        ])
        #expect(ordered.map(\.key) == ["agents/old-high", "agents/new-high", "agents/a-normal", "agents/b-normal",
            "agents/old-low"])
    }

    /// Workloads created in the same second (timestamps have one-second resolution) go in the
    /// order the controller saw them created, whatever their names.
    @Test func sameSecondTiesGoInArrivalOrder() {
        var later = Self.candidate("a-later", priority: 200, secondsAfterStart: 3)
        later.arrival = 8
        var earlier = Self.candidate("z-earlier", priority: 200, secondsAfterStart: 3)
        earlier.arrival = 7
        #expect(KueueScheduler.ordered([later, earlier]).map(\.key) == ["agents/z-earlier", "agents/a-later"])
    }

    @Test func admitsWhileEveryResourceFits() {
        var queue = Self.queue(pods: 2)
        let results = KueueScheduler.schedule(&queue, [
            Self.candidate("a", secondsAfterStart: 0), Self.candidate("b", secondsAfterStart: 1),
            Self.candidate("c", secondsAfterStart: 2),
        ])
        #expect(Self.admitted(results) == ["agents/a", "agents/b"])
        #expect(queue.usage["default-flavor"]?["pods"] == 2)
        #expect(queue.usage["default-flavor"]?["cpu"] == 2)
        #expect(results[2].1 == .pending(message:
            "couldn't assign flavors to pod set main: insufficient unused quota for pods in flavor default-flavor, 1 more needed"))
        if case .admit(let flavors, let usage) = results[0].1 {
            #expect(flavors == ["pods": "default-flavor", "cpu": "default-flavor"])
            #expect(usage == ["pods": 1, "cpu": 1])
        }
    }

    @Test func usageAlreadyHeldCounts() {
        var queue = Self.queue(pods: 2)
        queue.usage = ["default-flavor": ["pods": 2, "cpu": 2]]
        let results = KueueScheduler.schedule(&queue, [Self.candidate("a")])
        #expect(Self.admitted(results).isEmpty)
    }

    @Test func strictFIFOHeadThatDoesNotFitBlocksSmallerOnes() {
        var queue = Self.queue(pods: 4, cpu: 4)
        queue.usage = ["default-flavor": ["pods": 1, "cpu": 2]]
        let results = KueueScheduler.schedule(&queue, [
            Self.candidate("big", priority: 300, cpu: 3),
            Self.candidate("small", priority: 100, cpu: 1),
        ])
        #expect(Self.admitted(results).isEmpty)
        #expect(results[0].1 == .pending(message:
            "couldn't assign flavors to pod set main: insufficient unused quota for cpu in flavor default-flavor, 1 more needed"))
        #expect(results[1].1 == .notTried)
    }

    @Test func bestEffortFIFOSkipsTheHeadThatDoesNotFit() {
        var queue = Self.queue(pods: 4, cpu: 4, strategy: .bestEffortFIFO)
        queue.usage = ["default-flavor": ["pods": 1, "cpu": 2]]
        let results = KueueScheduler.schedule(&queue, [
            Self.candidate("big", priority: 300, cpu: 3),
            Self.candidate("small", priority: 100, cpu: 1),
        ])
        #expect(Self.admitted(results) == ["agents/small"])
    }

    @Test func requestAboveNominalQuotaIsNeverAdmitted() {
        var queue = Self.queue(pods: 2, cpu: 4)
        let results = KueueScheduler.schedule(&queue, [Self.candidate("huge", cpu: Decimal(string: "4.5")!)])
        #expect(results[0].1 == .pending(message:
            "couldn't assign flavors to pod set main: insufficient quota for cpu in flavor default-flavor, request > maximum capacity"))
    }

    @Test func resourceTheQueueDoesNotCoverIsUnavailable() {
        var queue = Self.queue(pods: 2, cpu: 4, memory: nil)
        let results = KueueScheduler.schedule(&queue, [Self.candidate("a", memory: 1_073_741_824)])
        #expect(results[0].1 == .pending(message: "couldn't assign flavors to pod set main: resource memory unavailable in ClusterQueue"))
    }

    @Test func moreNeededIsPrintedAsAQuantity() {
        var queue = Self.queue(pods: 5, cpu: 4, memory: 2_147_483_648)
        queue.usage = ["default-flavor": ["memory": 1_610_612_736]]  // 1.5Gi
        let results = KueueScheduler.schedule(&queue, [Self.candidate("a", cpu: Decimal(string: "0.5")!, memory: 1_073_741_824)])
        #expect(results[0].1 == .pending(message:
            "couldn't assign flavors to pod set main: insufficient unused quota for memory in flavor default-flavor, 512Mi more needed"))
    }

    /// Containers and native sidecars add up; an ordinary init container counts only when it
    /// alone (with the sidecars started before it) needs more; a limit stands in for a
    /// missing request.
    @Test func podRequestsCountSidecarsAndInitContainersAsKueueDoes() {
        let template: JSONValue = ["spec": [
            "initContainers": [
                ["name": "restore", "resources": ["requests": ["cpu": "3", "memory": "64Mi"]]],
                ["name": "shipper", "restartPolicy": "Always", "resources": ["requests": ["cpu": "10m", "memory": "48Mi"]]],
            ],
            "containers": [
                ["name": "agent", "resources": ["requests": ["cpu": "500m"], "limits": ["memory": "1Gi"]]],
            ],
        ]]
        let requests = KueuePodSetRequests(template: template, count: 2)
        #expect(requests.total["pods"] == 2)
        #expect(requests.total["cpu"] == 6)  // the restore container's 3 cores, per pod
        #expect(requests.total["memory"] == Decimal(2 * (1_073_741_824 + 48 * 1_048_576)))
        #expect(KueuePodSetRequests.format(Decimal(string: "0.51")!, resource: "cpu") == "510m")
        #expect(KueuePodSetRequests.format(2, resource: "cpu") == "2")
        #expect(KueuePodSetRequests.format(1_073_741_824, resource: "memory") == "1Gi")
        #expect(KueuePodSetRequests.format(3, resource: "pods") == "3")
    }

    @Test func hostileTemplatesCountAsNothing() {
        let template: JSONValue = ["spec": ["containers": [["resources": ["requests": ["cpu": "lots", "memory": 12]]], "x"]]]
        let requests = KueuePodSetRequests(template: template, count: 1)
        #expect(requests.total["cpu"] == nil)
        #expect(requests.total["memory"] == 12)
        #expect(requests.total["pods"] == 1)
    }

    @Test func workloadNamesHaveKueuesShape() {
        let name = KueueController.workloadName(jobName: "agent-1a2b3c4d", uid: "0f6c2d2e-1111-4a4a-9b9b-123456789abc")
        #expect(name.hasPrefix("job-agent-1a2b3c4d-"))
        #expect(name.count == "job-agent-1a2b3c4d-".count + 5)
        let hex = name.suffix(5).allSatisfy { $0.isHexDigit }
        #expect(hex)
        #expect(name == KueueController.workloadName(jobName: "agent-1a2b3c4d", uid: "0f6c2d2e-1111-4a4a-9b9b-123456789abc"))
    }
}
