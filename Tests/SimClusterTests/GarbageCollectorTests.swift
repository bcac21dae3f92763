import FlightdeckCore
import Foundation
import KubeModel
import Testing
@testable import SimCluster

/// ownerReferences semantics through the store: Background, Foreground, Orphan, and the
/// product's case of a Job owning its workspace claim and token Secret.
@Suite(.timeLimit(.minutes(3))) struct GarbageCollectorTests {
    func owned(_ object: JSONValue, by owner: JSONValue, block: Bool = true, finalizers: [String] = []) -> JSONValue {
        var copy = object
        var reference: JSONValue = [
            "apiVersion": owner["apiVersion"] ?? "v1", "kind": owner["kind"] ?? "", "name": owner[path: ["metadata", "name"]] ?? "",
            "uid": owner[path: ["metadata", "uid"]] ?? "",
        ]
        if block { reference.setMember("blockOwnerDeletion", true) }
        copy[path: ["metadata", "ownerReferences"]] = [reference]
        if !finalizers.isEmpty { copy[path: ["metadata", "finalizers"]] = .array(finalizers.map(JSONValue.string)) }
        return copy
    }

    @Test func backgroundDeletesDependentsOfAGoneOwner() async throws {
        try await withControlPlane { store, _ in
            let owner = try store.create(configMap("owner"), type: .configMaps, namespace: "default")
            _ = try store.create(owned(configMap("dependent"), by: owner), type: .configMaps, namespace: "default")
            _ = try store.create(owned(configMap("other"), by: configMap("ghost")), type: .configMaps, namespace: "default")
            _ = try store.delete(type: .configMaps, namespace: "default", name: "owner")
            try await eventually { fetch(store, .configMaps, "default", "dependent") == nil }
            // A reference to an owner that never existed (no uid match) is dangling too.
            try await eventually { fetch(store, .configMaps, "default", "other") == nil }
        }
    }

    @Test func foregroundWaitsForBlockingDependents() async throws {
        try await withControlPlane { store, _ in
            let owner = try store.create(configMap("owner"), type: .configMaps, namespace: "default")
            _ = try store.create(owned(configMap("held"), by: owner, finalizers: ["test.flightdeck/hold"]),
                type: .configMaps, namespace: "default")
            _ = try store.create(owned(configMap("free"), by: owner, block: false), type: .configMaps,
                namespace: "default")
            _ = try store.delete(type: .configMaps, namespace: "default", name: "owner",
                options: DeleteOptions(propagationPolicy: .foreground))
            try await eventually { fetch(store, .configMaps, "default", "free") == nil }
            try await eventually {
                ControllerRuntime.isBeingDeleted(fetch(store, .configMaps, "default", "held") ?? .null)
            }
            // The owner waits while a blocking dependent exists.
            let waiting = try #require(fetch(store, .configMaps, "default", "owner"))
            #expect(waiting[path: ["metadata", "finalizers"]] == ["foregroundDeletion"])
            ControllerRuntime.removeFinalizer(store, .configMaps, namespace: "default", name: "held", "test.flightdeck/hold")
            try await eventually { fetch(store, .configMaps, "default", "owner") == nil }
        }
    }

    @Test func orphanStripsReferencesAndKeepsDependents() async throws {
        try await withControlPlane { store, _ in
            let owner = try store.create(configMap("owner"), type: .configMaps, namespace: "default")
            _ = try store.create(owned(configMap("kept"), by: owner), type: .configMaps, namespace: "default")
            _ = try store.delete(type: .configMaps, namespace: "default", name: "owner",
                options: DeleteOptions(propagationPolicy: .orphan))
            try await eventually { fetch(store, .configMaps, "default", "owner") == nil }
            let kept = try #require(fetch(store, .configMaps, "default", "kept"))
            #expect(kept[path: ["metadata", "ownerReferences"]] == nil)
        }
    }

    @Test func aJobsPodsClaimAndSecretGoWithIt() async throws {
        try await withControlPlane { store, controlPlane in
            var job = agentJob("agent-1", podSpec: ["volumes": [["name": "ws", "persistentVolumeClaim": ["claimName": "ws-agent-1"]]]])
            job[path: ["spec", "template", "spec", "containers"]] = [["name": "agent", "image": "agent:1",
                "volumeMounts": [["name": "ws", "mountPath": "/workspace"]]]]
            let created = try store.create(job, type: .jobs, namespace: "default")
            let claim: JSONValue = ["apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": ["name": "ws-agent-1"],
                "spec": ["accessModes": ["ReadWriteOnce"], "resources": ["requests": ["storage": "1Gi"]]]]
            let pvc = try store.create(owned(claim, by: created), type: .persistentVolumeClaims, namespace: "default")
            let secret: JSONValue = ["apiVersion": "v1", "kind": "Secret", "metadata": ["name": "token-agent-1"],
                "stringData": ["token": "x"]]
            _ = try store.create(owned(secret, by: created), type: .secrets, namespace: "default")
            let pod = try await eventually { jobPods(store, job: "agent-1").first }
            try await eventually {
                fetch(store, .pods, "default", name(pod))?[path: ["spec", "nodeName"]] == "flightdeck-sim"
            }
            let uid = try #require(pvc[path: ["metadata", "uid"]]?.stringValue)
            let directory = controlPlane.configuration.dataDirectory
                .appendingPathComponent("storage/pvc-\(uid)_default_ws-agent-1").path
            #expect(FileManager.default.fileExists(atPath: directory))

            _ = try store.delete(type: .jobs, namespace: "default", name: "agent-1",
                options: DeleteOptions(propagationPolicy: .background))
            try await eventually { fetch(store, .pods, "default", name(pod)) == nil }
            try await eventually { fetch(store, .secrets, "default", "token-agent-1") == nil }
            try await eventually { fetch(store, .persistentVolumeClaims, "default", "ws-agent-1") == nil }
            try await eventually { fetch(store, .persistentVolumes, nil, "pvc-\(uid)") == nil }
            #expect(!FileManager.default.fileExists(atPath: directory))
        }
    }

    @Test func aJobDeletedWithoutPolicyOrphansItsPodsAsBatchV1Does() async throws {
        try await withControlPlane { store, _ in
            _ = try store.create(agentJob("legacy"), type: .jobs, namespace: "default")
            let pod = try await eventually { jobPods(store, job: "legacy").first }
            _ = try store.delete(type: .jobs, namespace: "default", name: "legacy")
            try await eventually { fetch(store, .jobs, "default", "legacy") == nil }
            // The orphaned pod loses its owner reference and its tracking finalizer, and stays.
            let orphan = try await eventually { () -> JSONValue? in
                let current = fetch(store, .pods, "default", name(pod))
                return current?[path: ["metadata", "ownerReferences"]] == nil
                    && current?[path: ["metadata", "finalizers"]] == nil ? current : nil
            }
            #expect(orphan[path: ["metadata", "deletionTimestamp"]] == nil)
        }
    }
}
