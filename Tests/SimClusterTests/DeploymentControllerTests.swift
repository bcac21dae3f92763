import FlightdeckCore
import Foundation
import KubeModel
import Testing
@testable import SimCluster

/// The Deployment and ReplicaSet controllers through the store, with the test playing the
/// kubelet (pods become ready when the test says so, so every in-between state is seen).
@Suite(.timeLimit(.minutes(3))) struct DeploymentControllerTests {
    @Test func theAPIDefaultsDeploymentsAndKeepsTheDefaultsOnUpdate() throws {
        let store = makeStore()
        let created = try store.create(deployment("web", progressDeadline: nil), type: .deployments, namespace: "default")
        #expect(created[path: ["spec", "strategy"]] == ["type": "RollingUpdate",
            "rollingUpdate": ["maxUnavailable": "25%", "maxSurge": "25%"]])
        #expect(created[path: ["spec", "revisionHistoryLimit"]] == 10)
        #expect(created[path: ["spec", "progressDeadlineSeconds"]] == 600)
        #expect(created[path: ["spec", "template", "spec", "restartPolicy"]] == "Always")
        #expect(created[path: ["spec", "template", "spec", "containers"]]?[0]?["terminationMessagePath"] == "/dev/termination-log")
        #expect(created[path: ["spec", "template", "spec", "serviceAccountName"]] == nil, "only pods get the account")
        // A merge patch replaces the container list whole; the defaults come back, and a
        // patch that changes nothing else is not a new generation.
        let patched = try store.patch(type: .deployments, namespace: "default", name: "web", patch: [
            "spec": ["template": ["spec": ["containers": [["name": "server", "image": "registry.example/server:1"]]]]],
        ])
        #expect(patched[path: ["spec", "template", "spec", "containers"]]?[0]?["terminationMessagePath"] == "/dev/termination-log")
        #expect(patched[path: ["metadata", "generation"]] == 1)
    }

    @Test func aDeploymentGetsAReplicaSetAndPodsAndBecomesAvailable() async throws {
        try await withControlPlane { store, _ in
            let created = try store.create(deployment("web", replicas: 2), type: .deployments, namespace: "default")
            let uid = try #require(created[path: ["metadata", "uid"]])
            let replicaSet = try await eventually { replicaSets(store, of: "web").first }
            let rsName = name(replicaSet)
            let hash = try #require(replicaSet[path: ["metadata", "labels", "pod-template-hash"]]?.stringValue)
            #expect(rsName == "web-\(hash)")
            #expect(hash.allSatisfy { "bcdfghjklmnpqrstvwxz2456789".contains($0) })
            #expect(replicaSet[path: ["metadata", "ownerReferences"]] == [[
                "apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "uid": uid, "controller": true,
                "blockOwnerDeletion": true,
            ]])
            #expect(replicaSet[path: ["spec", "selector", "matchLabels"]] == ["app": "web", "pod-template-hash": .string(hash)])
            #expect(replicaSet[path: ["spec", "template", "metadata", "labels"]] == ["app": "web", "pod-template-hash": .string(hash)])
            #expect(replicaSet[path: ["metadata", "annotations", "deployment.kubernetes.io/revision"]] == "1")
            #expect(replicaSet[path: ["spec", "replicas"]] == 2)

            let podList = try await eventually { () -> [JSONValue]? in
                let list = pods(store, of: rsName)
                return list.count == 2 ? list : nil
            }
            for pod in podList {
                #expect(name(pod).hasPrefix("\(rsName)-") && name(pod).count == rsName.count + 6)
                #expect(pod[path: ["metadata", "labels", "pod-template-hash"]] == .string(hash))
                #expect(pod[path: ["metadata", "ownerReferences"]]?[0]?["kind"] == "ReplicaSet")
                #expect(pod[path: ["metadata", "ownerReferences"]]?[0]?["blockOwnerDeletion"] == true)
                try await eventually { hasEvent(store, rsName, "SuccessfulCreate", "Created pod: \(name(pod))") }
            }
            try await eventually { hasEvent(store, "web", "ScalingReplicaSet", "Scaled up replica set \(rsName) from 0 to 2") }

            // Not available until the pods are ready (2 replicas: none may be unavailable).
            let waiting = try await eventually { () -> JSONValue? in
                let object = fetch(store, .deployments, "default", "web")
                return object?[path: ["status", "replicas"]] == 2 ? object : nil
            }
            #expect(condition(waiting, "Available")?["reason"] == "MinimumReplicasUnavailable")
            #expect(condition(waiting, "Progressing")?["reason"] == "ReplicaSetUpdated")
            #expect(waiting[path: ["metadata", "annotations", "deployment.kubernetes.io/revision"]] == "1")

            try markAllReady(store, deployment: "web")
            let done = try await eventually { rolledOut(store, "web", replicas: 2) }
            #expect(conditionTypes(done) == ["Available", "Progressing"])
            #expect(condition(done, "Available")?["status"] == "True")
            #expect(condition(done, "Available")?["reason"] == "MinimumReplicasAvailable")
            #expect(condition(done, "Available")?["message"] == "Deployment has minimum availability.")
            #expect(condition(done, "Progressing")?["reason"] == "NewReplicaSetAvailable")
            #expect(condition(done, "Progressing")?["message"] == .string("ReplicaSet \"\(rsName)\" has successfully progressed."))
            #expect(condition(done, "Progressing")?["lastUpdateTime"] != nil)
            #expect(done[path: ["status", "observedGeneration"]] == 1)
            #expect(done[path: ["status", "readyReplicas"]] == 2)
            #expect(done[path: ["status", "unavailableReplicas"]] == nil)
            let rsStatus = try await eventually { () -> JSONValue? in
                let status = fetch(store, .replicaSets, "default", rsName)?["status"]
                return status?["availableReplicas"] == 2 ? status : nil
            }
            #expect(rsStatus == ["replicas": 2, "fullyLabeledReplicas": 2, "readyReplicas": 2, "availableReplicas": 2,
                "observedGeneration": 1])
        }
    }

    @Test func scalingUpAndDownKeepsTheReadyPods() async throws {
        try await withControlPlane { store, _ in
            _ = try store.create(deployment("api"), type: .deployments, namespace: "default")
            let first = try await eventually { deploymentPods(store, of: "api").first }
            try markReady(store, name(first))
            _ = try await eventually { rolledOut(store, "api", replicas: 1) }
            let rsName = name(try #require(replicaSets(store, of: "api").first))

            _ = try store.patch(type: .deployments, namespace: "default", name: "api", patch: ["spec": ["replicas": 3]])
            try await eventually { deploymentPods(store, of: "api").count == 3 }
            try await eventually { hasEvent(store, "api", "ScalingReplicaSet", "Scaled up replica set \(rsName) from 1 to 3") }
            #expect(replicaSets(store, of: "api").count == 1, "scaling is not a new revision")

            // Scaling down removes the pods that are not ready first.
            _ = try store.patch(type: .deployments, namespace: "default", name: "api", patch: ["spec": ["replicas": 1]])
            try await eventually { deploymentPods(store, of: "api").map(name) == [name(first)] }
            try await eventually { hasEvent(store, "api", "ScalingReplicaSet", "Scaled down replica set \(rsName) from 3 to 1") }
            #expect(eventsAbout(store, rsName).filter { $0.reason == "SuccessfulDelete" }.count == 2)
            _ = try await eventually { rolledOut(store, "api", replicas: 1) }

            // Zero replicas is allowed, and stays a scaled-down ReplicaSet.
            _ = try store.patch(type: .deployments, namespace: "default", name: "api", patch: ["spec": ["replicas": 0]])
            try await eventually { deploymentPods(store, of: "api").isEmpty }
            let idle = try await eventually { rolledOut(store, "api", replicas: 0) }
            #expect(condition(idle, "Available")?["status"] == "True")
        }
    }

    @Test func aRollingUpdateStartsTheNewRevisionBeforeStoppingTheOld() async throws {
        try await withControlPlane { store, _ in
            _ = try store.create(deployment("proxy", image: "squid:6.6"), type: .deployments, namespace: "default")
            try await eventually { deploymentPods(store, of: "proxy").count == 1 }
            try markAllReady(store, deployment: "proxy")
            _ = try await eventually { rolledOut(store, "proxy", replicas: 1) }
            let old = name(try #require(replicaSets(store, of: "proxy").first))
            let oldPod = name(try #require(pods(store, of: old).first))

            _ = try store.patch(type: .deployments, namespace: "default", name: "proxy", patch: [
                "spec": ["template": ["spec": ["containers": [["name": "server", "image": "squid:6.7"]]]]],
            ])
            let newRS = try await eventually { () -> JSONValue? in
                let sets = replicaSets(store, of: "proxy")
                return sets.count == 2 ? sets.first { name($0) != old } : nil
            }
            let new = name(newRS)
            #expect(newRS[path: ["metadata", "annotations", "deployment.kubernetes.io/revision"]] == "2")
            let newPod = try await eventually { pods(store, of: new).first }
            // The new pod is not ready: the old one keeps serving (maxUnavailable 0 of 1).
            #expect(fetch(store, .replicaSets, "default", old)?[path: ["spec", "replicas"]] == 1)
            #expect(fetch(store, .pods, "default", oldPod) != nil)
            let rolling = try await eventually { () -> JSONValue? in
                let object = fetch(store, .deployments, "default", "proxy")
                return object?[path: ["status", "updatedReplicas"]] == 1 && object?[path: ["status", "replicas"]] == 2
                    ? object : nil
            }
            #expect(condition(rolling, "Progressing")?["reason"] == "ReplicaSetUpdated")
            #expect(condition(rolling, "Progressing")?["message"] == .string("ReplicaSet \"\(new)\" is progressing."))
            #expect(condition(rolling, "Available")?["status"] == "True")

            try markReady(store, name(newPod))
            try await eventually { fetch(store, .pods, "default", oldPod) == nil }
            let done = try await eventually { rolledOut(store, "proxy", replicas: 1) }
            #expect(fetch(store, .replicaSets, "default", old)?[path: ["spec", "replicas"]] == 0)
            #expect(done[path: ["metadata", "annotations", "deployment.kubernetes.io/revision"]] == "2")
            #expect(condition(done, "Progressing")?["reason"] == "NewReplicaSetAvailable")
            let scaling = eventsAbout(store, "proxy").filter { $0.reason == "ScalingReplicaSet" }.map(\.message)
            #expect(scaling == ["Scaled up replica set \(old) from 0 to 1", "Scaled up replica set \(new) from 0 to 1",
                "Scaled down replica set \(old) from 1 to 0"])
        }
    }

    /// What `kubectl rollout undo` does: a JSON patch puts an old ReplicaSet's template (as
    /// Go re-encodes it, without the hash label) back into the Deployment; that ReplicaSet
    /// is the new revision again, renumbered, and no third one is made.
    @Test func rollingBackReusesTheOldReplicaSet() async throws {
        try await withControlPlane { store, _ in
            _ = try store.create(deployment("proxy", image: "squid:6.6"), type: .deployments, namespace: "default")
            try await eventually { deploymentPods(store, of: "proxy").count == 1 }
            try markAllReady(store, deployment: "proxy")
            _ = try await eventually { rolledOut(store, "proxy", replicas: 1) }
            let first = try #require(replicaSets(store, of: "proxy").first)

            _ = try store.patch(type: .deployments, namespace: "default", name: "proxy",
                patch: [["op": "replace", "path": "/spec/template/spec/containers/0/image", "value": "squid:6.7"]], kind: .json)
            try await eventually { replicaSets(store, of: "proxy").count == 2 && deploymentPods(store, of: "proxy").count == 2 }
            try markAllReady(store, deployment: "proxy")
            let second = try await eventually { rolledOut(store, "proxy", replicas: 1) }
            #expect(second[path: ["metadata", "annotations", "deployment.kubernetes.io/revision"]] == "2")

            var template = try #require(first[path: ["spec", "template"]])
            template[path: ["metadata", "labels", "pod-template-hash"]] = nil
            template[path: ["metadata", "creationTimestamp"]] = .null
            template[path: ["spec", "containers"]] = .array((template[path: ["spec", "containers"]]?.arrayValue ?? []).map {
                var container = $0
                container.setMember("resources", .emptyObject)
                return container
            })
            let annotations = second[path: ["metadata", "annotations"]] ?? .emptyObject
            _ = try store.patch(type: .deployments, namespace: "default", name: "proxy", patch: [
                ["op": "replace", "path": "/spec/template", "value": template],
                ["op": "replace", "path": "/metadata/annotations", "value": annotations],
            ], kind: .json)
            let reused = try await eventually { () -> JSONValue? in
                let object = fetch(store, .replicaSets, "default", name(first))
                return object?[path: ["spec", "replicas"]] == 1 ? object : nil
            }
            #expect(reused[path: ["metadata", "annotations", "deployment.kubernetes.io/revision"]] == "3")
            #expect(reused[path: ["metadata", "annotations", "deployment.kubernetes.io/revision-history"]] == "1")
            try await eventually { deploymentPods(store, of: "proxy").count == 2 }
            try markAllReady(store, deployment: "proxy")
            let back = try await eventually { rolledOut(store, "proxy", replicas: 1) }
            #expect(back[path: ["metadata", "annotations", "deployment.kubernetes.io/revision"]] == "3")
            #expect(replicaSets(store, of: "proxy").count == 2)
            #expect(back[path: ["spec", "template", "spec", "containers"]]?[0]?["image"] == "squid:6.6")
        }
    }

    @Test func recreateStopsTheOldRevisionBeforeStartingTheNew() async throws {
        try await withControlPlane { store, _ in
            _ = try store.create(deployment("nats", image: "nats:2.10.22-alpine", strategy: "Recreate"),
                type: .deployments, namespace: "default")
            #expect(fetch(store, .deployments, "default", "nats")?[path: ["spec", "strategy"]] == ["type": "Recreate"])
            try await eventually { deploymentPods(store, of: "nats").count == 1 }
            try markAllReady(store, deployment: "nats")
            _ = try await eventually { rolledOut(store, "nats", replicas: 1) }
            let old = name(try #require(replicaSets(store, of: "nats").first))
            let oldPod = name(try #require(pods(store, of: old).first))

            let watch = try store.watch(type: .pods, namespace: "default",
                options: ListOptions(resourceVersion: store.resourceVersion))
            _ = try store.patch(type: .deployments, namespace: "default", name: "nats", patch: [
                "spec": ["template": ["metadata": ["annotations": ["kubectl.kubernetes.io/restartedAt": "now"]]]],
            ])
            // The old pod is gone before the new one is created.
            var order: [String] = []
            for await event in watch {
                let podName = name(event.object)
                if event.type == .deleted, podName == oldPod { order.append("deleted old") }
                if event.type == .added { order.append("added new") }
                if order.count == 2 { break }
            }
            #expect(order == ["deleted old", "added new"])
            try await eventually { replicaSets(store, of: "nats").count == 2 }
            let new = name(try #require(replicaSets(store, of: "nats").last))
            try markAllReady(store, deployment: "nats")
            _ = try await eventually { rolledOut(store, "nats", replicas: 1) }
            let scaling = eventsAbout(store, "nats").filter { $0.reason == "ScalingReplicaSet" }.map(\.message)
            #expect(scaling == ["Scaled up replica set \(old) from 0 to 1", "Scaled down replica set \(old) from 1 to 0",
                "Scaled up replica set \(new) from 0 to 1"])
        }
    }

    @Test func aDeletedOrFailedPodIsReplaced() async throws {
        try await withControlPlane { store, _ in
            _ = try store.create(deployment("svc"), type: .deployments, namespace: "default")
            let first = try await eventually { deploymentPods(store, of: "svc").first }
            _ = try store.delete(type: .pods, namespace: "default", name: name(first))
            let second = try await eventually { () -> JSONValue? in
                let pods = deploymentPods(store, of: "svc")
                return pods.count == 1 && name(pods[0]) != name(first) ? Optional(pods[0]) : nil
            }

            // A failed pod no longer counts: a replacement starts, the failed one stays.
            var failed = try store.get(type: .pods, namespace: "default", name: name(second))
            failed[path: ["status", "phase"]] = "Failed"
            _ = try store.update(failed, type: .pods, namespace: "default", subresource: "status")
            let third = try await eventually { () -> JSONValue? in
                deploymentPods(store, of: "svc").first { name($0) != name(second) && name($0) != name(first) }
            }
            #expect(fetch(store, .pods, "default", name(second)) != nil)
            try markReady(store, name(third))
            let done = try await eventually { rolledOut(store, "svc", replicas: 1) }
            #expect(done[path: ["status", "readyReplicas"]] == 1)
            let rsName = name(try #require(replicaSets(store, of: "svc").first))
            #expect(eventsAbout(store, rsName).filter { $0.reason == "SuccessfulCreate" }.count == 3)
        }
    }

    @Test func deletingTheDeploymentRemovesItsReplicaSetsAndPods() async throws {
        try await withControlPlane { store, _ in
            _ = try store.create(deployment("gone", replicas: 2), type: .deployments, namespace: "default")
            try await eventually { deploymentPods(store, of: "gone").count == 2 }
            try markAllReady(store, deployment: "gone")
            _ = try await eventually { rolledOut(store, "gone", replicas: 2) }
            _ = try store.patch(type: .deployments, namespace: "default", name: "gone", patch: [
                "spec": ["template": ["spec": ["containers": [["name": "server", "image": "registry.example/server:2"]]]]],
            ])
            try await eventually { replicaSets(store, of: "gone").count == 2 }
            let uid = try #require(fetch(store, .deployments, "default", "gone")?[path: ["metadata", "uid"]])

            _ = try store.delete(type: .deployments, namespace: "default", name: "gone")
            try await eventually {
                let sets = items(try store.list(type: .replicaSets, namespace: "default"))
                let pods = items(try store.list(type: .pods, namespace: "default"))
                return owned(store, .replicaSets, by: uid, in: "default").isEmpty && sets.isEmpty && pods.isEmpty
            }
        }
    }

    @Test func podsTheAPIRefusesAreAReplicaFailure() async throws {
        try await withControlPlane { store, _ in
            _ = try store.create(["apiVersion": "v1", "kind": "Namespace", "metadata": [
                "name": "locked", "labels": ["pod-security.kubernetes.io/enforce": "restricted"],
            ]], type: .namespaces)
            _ = try store.create(deployment("root"), type: .deployments, namespace: "locked")
            let replicaSet = try await eventually { replicaSets(store, of: "root", in: "locked").first }
            let rsName = name(replicaSet)
            let failure = try await eventually { () -> JSONValue? in
                condition(fetch(store, .replicaSets, "locked", rsName) ?? .null, "ReplicaFailure")
            }
            #expect(failure["reason"] == "FailedCreate")
            #expect(failure["message"]?.stringValue?.contains("violates PodSecurity \"restricted:latest\"") == true)
            try await eventually {
                eventsAbout(store, rsName, in: "locked").contains {
                    $0.reason == "FailedCreate" && $0.message.hasPrefix("Error creating: pods \"\(rsName)-")
                }
            }
            let copied = try await eventually { () -> JSONValue? in
                condition(fetch(store, .deployments, "locked", "root") ?? .null, "ReplicaFailure")
            }
            #expect(copied["reason"] == "FailedCreate")
            #expect(deploymentPods(store, of: "root", in: "locked").isEmpty)
        }
    }

    @Test func aRolloutWithoutProgressExceedsItsDeadline() async throws {
        try await withControlPlane { store, _ in
            _ = try store.create(deployment("stuck", progressDeadline: 30), type: .deployments,
                namespace: "default")
            let rsName = name(try await eventually { replicaSets(store, of: "stuck").first })
            let stuck = try await eventually { () -> JSONValue? in
                let object = fetch(store, .deployments, "default", "stuck")
                return condition(object ?? .null, "Progressing")?["status"] == "False" ? object : nil
            }
            #expect(condition(stuck, "Progressing")?["reason"] == "ProgressDeadlineExceeded")
            #expect(condition(stuck, "Progressing")?["message"] == .string("ReplicaSet \"\(rsName)\" has timed out progressing."))
            // A late pod still completes the rollout.
            try markAllReady(store, deployment: "stuck")
            let done = try await eventually { () -> JSONValue? in
                let object = rolledOut(store, "stuck", replicas: 1)
                return condition(object ?? .null, "Progressing")?["reason"] == "NewReplicaSetAvailable" ? object : nil
            }
            #expect(condition(done, "Progressing")?["status"] == "True")
        }
    }

    @Test func aPausedDeploymentScalesButDoesNotRoll() async throws {
        try await withControlPlane { store, _ in
            _ = try store.create(deployment("held"), type: .deployments, namespace: "default")
            try await eventually { deploymentPods(store, of: "held").count == 1 }
            _ = try store.patch(type: .deployments, namespace: "default", name: "held", patch: [
                "spec": ["paused": true, "replicas": 2,
                    "template": ["spec": ["containers": [["name": "server", "image": "registry.example/server:2"]]]]],
            ])
            let paused = try await eventually { () -> JSONValue? in
                let object = fetch(store, .deployments, "default", "held")
                return condition(object ?? .null, "Progressing")?["reason"] == "DeploymentPaused" ? object : nil
            }
            #expect(condition(paused, "Progressing")?["status"] == "Unknown")
            try await eventually { deploymentPods(store, of: "held").count == 2 }
            #expect(replicaSets(store, of: "held").count == 1, "no new revision while paused")

            _ = try store.patch(type: .deployments, namespace: "default", name: "held", patch: ["spec": ["paused": false]])
            try await eventually { replicaSets(store, of: "held").count == 2 }
            try await eventually {
                let reason = condition(fetch(store, .deployments, "default", "held") ?? .null, "Progressing")?["reason"]
                return reason == "NewReplicaSetCreated" || reason == "ReplicaSetUpdated"
            }
        }
    }
}
