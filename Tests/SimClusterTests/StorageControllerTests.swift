import FlightdeckCore
import Foundation
import KubeModel
import Testing
@testable import SimCluster

/// Scheduler + local-path provisioner + protection controllers, through the store.
@Suite(.timeLimit(.minutes(3))) struct StorageControllerTests {
    func claim(_ name: String, size: String = "1Gi") -> JSONValue {
        ["apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": ["name": .string(name)],
            "spec": ["accessModes": ["ReadWriteOnce"], "resources": ["requests": ["storage": .string(size)]]]]
    }

    func pod(_ name: String, claim: String) -> JSONValue {
        ["apiVersion": "v1", "kind": "Pod", "metadata": ["name": .string(name)],
            "spec": ["containers": [["name": "agent", "image": "agent:1",
                "volumeMounts": [["name": "ws", "mountPath": "/workspace"]]]],
                "volumes": [["name": "ws", "persistentVolumeClaim": ["claimName": .string(claim)]]]]]
    }

    @Test func podWaitsForItsClaimToBeProvisionedThenIsBound() async throws {
        try await withControlPlane { store, controlPlane in
            let storageClass = try #require(fetch(store, .storageClasses, nil, "local-path"))
            #expect(storageClass["volumeBindingMode"] == "WaitForFirstConsumer")
            #expect(storageClass["provisioner"] == "rancher.io/local-path")

            let created = try store.create(claim("ws"), type: .persistentVolumeClaims, namespace: "default")
            #expect(created[path: ["spec", "storageClassName"]] == "local-path")
            #expect(created[path: ["metadata", "finalizers"]] == ["kubernetes.io/pvc-protection"])
            let uid = try #require(created[path: ["metadata", "uid"]]?.stringValue)
            try await eventually { hasEvent(store, "ws", "WaitForFirstConsumer",
                "waiting for first consumer to be created before binding") }
            #expect(fetch(store, .persistentVolumeClaims, "default", "ws")?[path: ["status", "phase"]] == "Pending")

            _ = try store.create(pod("agent", claim: "ws"), type: .pods, namespace: "default")
            let bound = try await eventually { () -> JSONValue? in
                let pvc = fetch(store, .persistentVolumeClaims, "default", "ws")
                return pvc?[path: ["status", "phase"]] == "Bound" ? pvc : nil
            }
            #expect(bound[path: ["metadata", "annotations", "volume.kubernetes.io/selected-node"]] == "flightdeck-sim")
            #expect(bound[path: ["metadata", "annotations", "pv.kubernetes.io/bind-completed"]] == "yes")
            #expect(bound[path: ["spec", "volumeName"]] == .string("pvc-\(uid)"))
            #expect(bound[path: ["status", "capacity", "storage"]] == "1Gi")
            #expect(bound[path: ["status", "accessModes"]] == ["ReadWriteOnce"])

            let volume = try #require(fetch(store, .persistentVolumes, nil, "pvc-\(uid)"))
            let path = controlPlane.configuration.dataDirectory.appendingPathComponent("storage/pvc-\(uid)_default_ws").path
            #expect(volume[path: ["spec", "hostPath"]] == ["path": .string(path), "type": "DirectoryOrCreate"])
            #expect(volume[path: ["spec", "claimRef", "uid"]] == .string(uid))
            #expect(volume[path: ["spec", "capacity", "storage"]] == "1Gi")
            #expect(PersistentVolume(json: volume).spec.requiredNodeNames == ["flightdeck-sim"])
            #expect(volume[path: ["spec", "persistentVolumeReclaimPolicy"]] == "Delete")
            var isDirectory: ObjCBool = false
            #expect(FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue)
            #expect(hasEvent(store, "ws", "Provisioning", "External provisioner is provisioning volume for claim \"default/ws\""))
            #expect(hasEvent(store, "ws", "ProvisioningSucceeded", "Successfully provisioned volume pvc-\(uid)"))

            let scheduled = try await eventually { () -> JSONValue? in
                let pod = fetch(store, .pods, "default", "agent")
                return condition(pod ?? .null, "PodScheduled")?["status"] == "True" ? pod : nil
            }
            #expect(scheduled[path: ["spec", "nodeName"]] == "flightdeck-sim")
            try await eventually { hasEvent(store, "agent", "Scheduled", "Successfully assigned default/agent to flightdeck-sim") }

            // The claim is protected while the pod uses it; then it goes, and so do the
            // volume and its directory.
            let deleting = try store.delete(type: .persistentVolumeClaims, namespace: "default", name: "ws")
            #expect(!deleting.removed)
            _ = try store.delete(type: .pods, namespace: "default", name: "agent")
            try await eventually { fetch(store, .persistentVolumeClaims, "default", "ws") == nil }
            try await eventually { fetch(store, .persistentVolumes, nil, "pvc-\(uid)") == nil }
            #expect(!FileManager.default.fileExists(atPath: path))
        }
    }

    @Test func missingClaimMakesThePodUnschedulableUntilItExists() async throws {
        try await withControlPlane { store, _ in
            _ = try store.create(pod("agent", claim: "later"), type: .pods, namespace: "default")
            let message = "0/1 nodes are available: persistentvolumeclaim \"later\" not found. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling."
            let unschedulable = try await eventually { () -> JSONValue? in
                condition(fetch(store, .pods, "default", "agent") ?? .null, "PodScheduled")
            }
            #expect(unschedulable["status"] == "False" && unschedulable["reason"] == "Unschedulable")
            #expect(unschedulable["message"] == .string(message))
            try await eventually { hasEvent(store, "agent", "FailedScheduling", message) }
            #expect(fetch(store, .pods, "default", "agent")?[path: ["spec", "nodeName"]] == nil)

            _ = try store.create(claim("later"), type: .persistentVolumeClaims, namespace: "default")
            try await eventually {
                fetch(store, .pods, "default", "agent")?[path: ["spec", "nodeName"]] == "flightdeck-sim"
            }
            #expect(fetch(store, .persistentVolumeClaims, "default", "later")?[path: ["status", "phase"]] == "Bound")
        }
    }

    @Test func claimOfAnImmediateClassWithoutAVolumeIsUnbound() async throws {
        try await withControlPlane { store, _ in
            _ = try store.create(["apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
                "metadata": ["name": "manual"], "provisioner": "kubernetes.io/no-provisioner",
                "volumeBindingMode": "Immediate"], type: .storageClasses)
            var manual = claim("m")
            manual[path: ["spec", "storageClassName"]] = "manual"
            _ = try store.create(manual, type: .persistentVolumeClaims, namespace: "default")
            _ = try store.create(pod("agent", claim: "m"), type: .pods, namespace: "default")
            let scheduled = try await eventually { () -> JSONValue? in
                condition(fetch(store, .pods, "default", "agent") ?? .null, "PodScheduled")
            }
            #expect(scheduled["message"] == "0/1 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.")
        }
    }
}
