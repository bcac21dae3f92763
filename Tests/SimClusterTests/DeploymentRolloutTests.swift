import FlightdeckCore
import Foundation
import KubeModel
import Testing
@testable import SimCluster

/// The rollout arithmetic and the ReplicaSet rules on their own, against upstream's cases.
@Suite struct DeploymentRolloutTests {
    func rolling(_ replicas: Int, surge: JSONValue = "25%", unavailable: JSONValue = "25%") -> Deployment {
        Deployment(json: ["spec": ["replicas": .integer(Int64(replicas)),
            "strategy": ["type": "RollingUpdate", "rollingUpdate": ["maxSurge": surge, "maxUnavailable": unavailable]]]])
    }

    func replicaSet(_ name: String, replicas: Int, available: Int, created: Int = 0) -> ReplicaSet {
        ReplicaSet(json: ["metadata": ["name": .string(name),
            "creationTimestamp": .string(KubeTime.string(from: Date(timeIntervalSince1970: Double(1_780_000_000 + created))))],
            "spec": ["replicas": .integer(Int64(replicas))],
            "status": ["replicas": .integer(Int64(replicas)), "availableReplicas": .integer(Int64(available))]])
    }

    @Test func theTemplateHashIsStableShortAndSafe() {
        let template: JSONValue = ["metadata": ["labels": ["app": "web"]], "spec": ["containers": [["name": "a", "image": "b"]]]]
        let reordered: JSONValue = ["spec": ["containers": [["image": "b", "name": "a"]]], "metadata": ["labels": ["app": "web"]]]
        let hash = DeploymentRollout.podTemplateHash(template, collisionCount: nil)
        #expect(hash == DeploymentRollout.podTemplateHash(reordered, collisionCount: nil))
        #expect(hash.count <= 10 && hash.allSatisfy { "bcdfghjklmnpqrstvwxz2456789".contains($0) })
        #expect(hash != DeploymentRollout.podTemplateHash(template, collisionCount: 1))
        #expect(DeploymentRollout.podTemplateHash(template, collisionCount: 1)
            != DeploymentRollout.podTemplateHash(template, collisionCount: 2))
        // The same revision whatever the hash label and the API's defaults.
        let labelled = DeploymentRollout.template(template, hash: hash)
        #expect(labelled[path: ["metadata", "labels"]] == ["app": "web", "pod-template-hash": .string(hash)])
        var defaulted = labelled
        defaulted[path: ["spec", "restartPolicy"]] = "Always"
        #expect(DeploymentRollout.sameRevision(defaulted, template))
        var changed = template
        changed[path: ["spec", "containers"]] = [["name": "a", "image": "c"]]
        #expect(!DeploymentRollout.sameRevision(changed, template))
    }

    /// `kubectl rollout undo` sends a ReplicaSet's template back as Go re-encodes it: still
    /// the same revision, as upstream's semantic equality sees it.
    @Test func aTemplateReencodedFromGoTypesIsTheSameRevision() {
        let stored: JSONValue = [
            "metadata": ["labels": ["app": "web", "pod-template-hash": "abc"]],
            "spec": ["containers": [["name": "a", "image": "b", "resources": ["requests": ["cpu": "0.5", "memory": "64Mi"]]],
                ["name": "side", "image": "c"]],
                "volumes": [["name": "tmp", "emptyDir": .emptyObject]]],
        ]
        let sentBack: JSONValue = [
            "metadata": ["creationTimestamp": nil, "labels": ["app": "web"], "annotations": .emptyObject],
            "spec": ["containers": [["name": "a", "image": "b", "args": [], "resources": ["requests": ["cpu": "500m", "memory": "67108864"]]],
                ["name": "side", "image": "c", "resources": .emptyObject, "env": nil]],
                "volumes": [["name": "tmp", "emptyDir": .emptyObject]], "nodeSelector": .emptyObject],
        ]
        #expect(DeploymentRollout.sameRevision(sentBack, stored))
        // A set pointer (`emptyDir: {}`) is not an absent one; quantities still compare by value.
        var noVolume = sentBack
        noVolume[path: ["spec", "volumes"]] = [["name": "tmp"]]
        #expect(!DeploymentRollout.sameRevision(noVolume, stored))
        var moreCPU = sentBack
        moreCPU[path: ["spec", "containers"]] = [["name": "a", "image": "b", "resources": ["requests": ["cpu": "1", "memory": "64Mi"]]],
            ["name": "side", "image": "c"]]
        #expect(!DeploymentRollout.sameRevision(moreCPU, stored))
    }

    @Test func aRevisionBroughtBackRemembersItsNumbers() {
        #expect(DeploymentRollout.revisionHistory(nil, adding: "1") == "1")
        #expect(DeploymentRollout.revisionHistory("", adding: "1") == "1")
        #expect(DeploymentRollout.revisionHistory("1,3", adding: "5") == "1,3,5")
        // Past 2000 characters the oldest numbers go.
        let long = Array(repeating: "123456789", count: 200).joined(separator: ",")  // 1999 characters
        let trimmed = DeploymentRollout.revisionHistory(long, adding: "42")
        #expect(trimmed?.hasSuffix(",123456789,42") == true)
        #expect((trimmed?.count ?? 0) <= 2000)
        #expect(trimmed?.split(separator: ",").count == 200)
    }

    @Test func fencepostsRoundSurgeUpAndUnavailableDown() {
        #expect(DeploymentRollout.scaledValue("25%", total: 3, roundUp: true) == 1)
        #expect(DeploymentRollout.scaledValue("25%", total: 3, roundUp: false) == 0)
        #expect(DeploymentRollout.scaledValue(2, total: 3, roundUp: false) == 2)
        #expect(DeploymentRollout.maxSurge(rolling(1)) == 1)
        #expect(DeploymentRollout.maxUnavailable(rolling(1)) == 0)
        #expect(DeploymentRollout.maxUnavailable(rolling(4)) == 1)
        // Both zero: one pod may be unavailable, so a rollout can move.
        #expect(DeploymentRollout.maxUnavailable(rolling(1, surge: "0%", unavailable: "1%")) == 1)
        #expect(DeploymentRollout.maxUnavailable(rolling(0)) == 0)
        let recreate = Deployment(json: ["spec": ["replicas": 3, "strategy": ["type": "Recreate"]]])
        #expect(DeploymentRollout.maxSurge(recreate) == 0 && DeploymentRollout.maxUnavailable(recreate) == 0)
        #expect(DeploymentRollout.newReplicaCount(recreate, all: [replicaSet("old", replicas: 3, available: 3)],
            newReplicas: 0) == 3)
    }

    @Test func aRollingUpdateSurgesThenScalesTheOldDownAsTheNewBecomesAvailable() {
        let deployment = rolling(3)  // surge 1, unavailable 0
        let old = replicaSet("old", replicas: 3, available: 3)
        #expect(DeploymentRollout.newReplicaCount(deployment, all: [old], newReplicas: 0) == 1)
        // The new pod is not available yet: nothing old may go.
        var new = replicaSet("new", replicas: 1, available: 0, created: 10)
        #expect(DeploymentRollout.oldScaleDowns(deployment, old: [old], new: new).isEmpty)
        // It is: one old pod goes.
        new = replicaSet("new", replicas: 1, available: 1, created: 10)
        let downs = DeploymentRollout.oldScaleDowns(deployment, old: [old], new: new)
        #expect(downs.map { ($0.0.name, $0.1) }.elementsEqual([("old", 2)]) { $0 == $1 })
        // Unhealthy old pods go first, even past the availability budget's order.
        let unhealthy = replicaSet("sick", replicas: 2, available: 0)
        let mixed = DeploymentRollout.oldScaleDowns(deployment, old: [old, unhealthy],
            new: replicaSet("new", replicas: 0, available: 0, created: 10))
        #expect(mixed.map { ($0.0.name, $0.1) }.elementsEqual([("sick", 0)]) { $0 == $1 })
    }

    @Test func scalingDownRemovesTheLeastUsefulPodsFirst() {
        func pod(_ name: String, node: String? = "n", phase: String, ready: Bool = false, restarts: Int = 0,
            created: Int = 0) -> Pod
        {
            var json: JSONValue = ["metadata": ["name": .string(name),
                "creationTimestamp": .string(KubeTime.string(from: Date(timeIntervalSince1970: Double(1_780_000_000 + created))))],
                "spec": .emptyObject,
                "status": ["phase": .string(phase), "containerStatuses": [["restartCount": .integer(Int64(restarts))]],
                    "conditions": [["type": "Ready", "status": ready ? "True" : "False"]]]]
            if let node { json[path: ["spec", "nodeName"]] = .string(node) }
            return Pod(json: json)
        }
        let order = ReplicaSetRules.deletionOrder([
            pod("ready-old", phase: "Running", ready: true, created: 1),
            pod("ready-new", phase: "Running", ready: true, created: 5),
            pod("running", phase: "Running", restarts: 1),
            pod("crashing", phase: "Running", restarts: 4),
            pod("pending", phase: "Pending"),
            pod("unscheduled", node: nil, phase: "Pending"),
        ]).map { $0.name ?? "" }
        #expect(order == ["unscheduled", "pending", "crashing", "running", "ready-new", "ready-old"])
    }

    @Test func aReplicaSetCountsOnlyActivePodsAndAvailabilityWaitsForMinReadySeconds() {
        let now = Date(timeIntervalSince1970: 1_780_000_100)
        let replicaSet = ReplicaSet(json: ["metadata": ["generation": 3], "spec": ["replicas": 2, "minReadySeconds": 30,
            "template": ["metadata": ["labels": ["app": "web", "tier": "edge"]]]]])
        func pod(_ readySince: Double?, labels: JSONValue = ["app": "web", "tier": "edge"]) -> Pod {
            var conditions: [JSONValue] = []
            if let readySince {
                conditions.append(["type": "Ready", "status": "True",
                    "lastTransitionTime": .string(KubeTime.string(from: now.addingTimeInterval(-readySince)))])
            }
            return Pod(json: ["metadata": ["labels": labels], "status": ["phase": "Running", "conditions": .array(conditions)]])
        }
        let pods = [pod(60), pod(10), pod(nil, labels: ["app": "web"])]
        #expect(ReplicaSetRules.status(replicaSet, active: pods, failure: nil, now: now) == [
            "replicas": 3, "fullyLabeledReplicas": 2, "readyReplicas": 2, "availableReplicas": 1, "observedGeneration": 3,
        ])
        #expect(ReplicaSetRules.nextAvailable(pods, minReadySeconds: 30, now: now) == now.addingTimeInterval(20))
        let failing = ReplicaSetRules.status(replicaSet, active: [], failure: .init(reason: "FailedCreate", message: "no"),
            now: now)
        #expect(failing["replicas"] == 0)
        #expect(failing["conditions"]?[0]?["reason"] == "FailedCreate")
    }
}
