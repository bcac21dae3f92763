import FlightdeckCore
import KubeModel
import Testing
@testable import SimCluster

/// Create/get/list/update/patch/delete semantics of the generic registry on etcd.
@Suite struct APIStoreObjectTests {
    @Test func startsWithDefaultNamespaces() throws {
        let store = makeStore()
        let list = try store.list(type: .namespaces)
        #expect(names(list) == ["default", "kube-system"])
        #expect(list[path: ["metadata", "resourceVersion"]] == "2")
        #expect(list["kind"] == "NamespaceList")
        let ns = try store.get(type: .namespaces, name: "default")
        #expect(ns[path: ["status", "phase"]] == "Active")
        #expect(ns[path: ["metadata", "generation"]] == nil)
    }

    @Test func createFillsMetadataAndKeepsUnknownFields() throws {
        let store = makeStore()
        let created = try store.create(job("x", extra: ["nested": [1, 2]]), type: .jobs, namespace: "default")
        #expect(created[path: ["metadata", "namespace"]] == "default")
        #expect(created[path: ["metadata", "resourceVersion"]] == "3")
        #expect(created[path: ["metadata", "generation"]] == 1)
        #expect(created[path: ["metadata", "creationTimestamp"]] == .string(fixedTimestamp))
        let uid = try #require(created[path: ["metadata", "uid"]]?.stringValue)
        #expect(uid.count == 36 && uid == uid.lowercased() && Array(uid)[14] == "4")
        #expect(created["x-extra"] == ["nested": [1, 2]])

        let fetched = try store.get(type: .jobs, namespace: "default", name: "x")
        #expect(fetched == created)
        let list = try store.list(type: .jobs, namespace: "default")
        var item = created
        item.setMember("kind", nil)
        item.setMember("apiVersion", nil)
        #expect(items(list) == [item])
        #expect(list["kind"] == "JobList" && list["apiVersion"] == "batch/v1")

        // ConfigMaps have no spec, so no generation.
        let cm = try store.create(configMap("c"), type: .configMaps, namespace: "default")
        #expect(cm[path: ["metadata", "generation"]] == nil)
    }

    @Test func deterministicAcrossStores() throws {
        let a = try makeStore().create(job("x"), type: .jobs, namespace: "default")
        let b = try makeStore().create(job("x"), type: .jobs, namespace: "default")
        #expect(a == b)
    }

    @Test func generateNameAppendsFiveCharacters() throws {
        let store = makeStore()
        var body = job(nil)
        body[path: ["metadata", "generateName"]] = "agent-"
        let first = try store.create(body, type: .jobs, namespace: "default")
        let second = try store.create(body, type: .jobs, namespace: "default")
        for object in [first, second] {
            let generated = name(object)
            #expect(generated.hasPrefix("agent-") && generated.count == 11)
            #expect(generated.dropFirst(6).allSatisfy { "bcdfghjklmnpqrstvwxz2456789".contains($0) })
            #expect(object[path: ["metadata", "generateName"]] == "agent-")
        }
        #expect(name(first) != name(second))
    }

    @Test func clusterScopedAndAllNamespaceListsSortByKey() throws {
        let store = makeStore()
        _ = try store.create(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "a-b"]], type: .namespaces)
        _ = try store.create(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "a"]], type: .namespaces)
        for (ns, n) in [("default", "z"), ("a-b", "m"), ("a", "y"), ("default", "b")] {
            _ = try store.create(configMap(n), type: .configMaps, namespace: ns)
        }
        let all = try store.list(type: .configMaps)
        // etcd key order: "a-b/…" sorts before "a/…" because '-' < '/'.
        #expect(items(all).map { "\($0[path: ["metadata", "namespace"]]!.stringValue!)/\(name($0))" }
            == ["a-b/m", "a/y", "default/b", "default/z"])
        #expect(names(try store.list(type: .configMaps, namespace: "default")) == ["b", "z"])
    }

    @Test func selectorsFilterLists() throws {
        let store = makeStore()
        _ = try store.create(configMap("a", labels: ["app": "x", "tier": "1"]), type: .configMaps, namespace: "default")
        _ = try store.create(configMap("b", labels: ["app": "y"]), type: .configMaps, namespace: "default")
        _ = try store.create(configMap("c", labels: ["app": "x"]), type: .configMaps, namespace: "kube-system")
        #expect(names(try store.list(type: .configMaps, options: ListOptions(labelSelector: "app=x"))) == ["a", "c"])
        #expect(names(try store.list(type: .configMaps, options: ListOptions(labelSelector: "app in (x),tier"))) == ["a"])
        #expect(names(try store.list(type: .configMaps,
            options: ListOptions(fieldSelector: "metadata.namespace!=default"))) == ["c"])
        #expect(names(try store.list(type: .configMaps, options: ListOptions(fieldSelector: "metadata.name=b"))) == ["b"])
    }

    @Test func paginationReadsOneSnapshotAcrossWrites() throws {
        let store = makeStore()
        for index in 0..<5 { _ = try store.create(configMap("c\(index)"), type: .configMaps, namespace: "default") }
        let first = try store.list(type: .configMaps, namespace: "default", options: ListOptions(limit: 2))
        #expect(names(first) == ["c0", "c1"])
        #expect(first[path: ["metadata", "remainingItemCount"]] == 3)
        let snapshotVersion = first[path: ["metadata", "resourceVersion"]]
        #expect(snapshotVersion == "7")

        // Writes between pages: a delete, an update, a new object that sorts inside the range.
        _ = try store.delete(type: .configMaps, namespace: "default", name: "c3")
        _ = try store.patch(type: .configMaps, namespace: "default", name: "c2", patch: ["data": ["k": "changed"]])
        _ = try store.create(configMap("c2a"), type: .configMaps, namespace: "default")

        let token1 = try #require(first[path: ["metadata", "continue"]]?.stringValue)
        let second = try store.list(type: .configMaps, namespace: "default", options: ListOptions(limit: 2, continue: token1))
        #expect(names(second) == ["c2", "c3"])
        #expect(items(second)[0][path: ["data", "k"]] == "v")  // as of the first page
        #expect(second[path: ["metadata", "resourceVersion"]] == snapshotVersion)
        #expect(second[path: ["metadata", "remainingItemCount"]] == 1)
        let token2 = try #require(second[path: ["metadata", "continue"]]?.stringValue)
        let third = try store.list(type: .configMaps, namespace: "default", options: ListOptions(limit: 2, continue: token2))
        #expect(names(third) == ["c4"])
        #expect(third[path: ["metadata", "continue"]] == nil)
        #expect(third[path: ["metadata", "remainingItemCount"]] == nil)

        // A fresh list sees the writes.
        #expect(names(try store.list(type: .configMaps, namespace: "default")) == ["c0", "c1", "c2", "c2a", "c4"])
    }

    @Test func paginationWithSelectorOmitsRemainingCount() throws {
        let store = makeStore()
        for index in 0..<4 {
            _ = try store.create(configMap("c\(index)", labels: ["even": index % 2 == 0 ? "y" : "n"]),
                type: .configMaps, namespace: "default")
        }
        let page = try store.list(type: .configMaps, namespace: "default",
            options: ListOptions(labelSelector: "even=n", limit: 1))
        #expect(names(page) == ["c1"])
        #expect(page[path: ["metadata", "remainingItemCount"]] == nil)
        let token = try #require(page[path: ["metadata", "continue"]]?.stringValue)
        let next = try store.list(type: .configMaps, namespace: "default",
            options: ListOptions(labelSelector: "even=n", limit: 1, continue: token))
        #expect(names(next) == ["c3"])
    }

    @Test func updateBumpsGenerationOnlyForSpecChanges() throws {
        let store = makeStore()
        var object = try store.create(job("x"), type: .jobs, namespace: "default")
        object[path: ["metadata", "labels"]] = ["a": "1"]
        object = try store.update(object, type: .jobs, namespace: "default", name: "x")
        #expect(object[path: ["metadata", "generation"]] == 1)
        #expect(rv(object) == "4")
        object[path: ["spec", "parallelism"]] = 3
        object = try store.update(object, type: .jobs, namespace: "default", name: "x")
        #expect(object[path: ["metadata", "generation"]] == 2)
        object = try store.patch(type: .jobs, namespace: "default", name: "x",
            patch: ["spec": ["parallelism": 4]], kind: .strategicMerge)
        #expect(object[path: ["metadata", "generation"]] == 3)
        #expect(rv(object) == "6")
        // A no-op write commits nothing.
        let same = try store.update(object, type: .jobs, namespace: "default")
        #expect(rv(same) == "6")
        #expect(store.resourceVersion == "6")
        // Clients cannot change uid or creationTimestamp.
        var forged = same
        forged[path: ["metadata", "uid"]] = "forged"
        forged[path: ["metadata", "resourceVersion"]] = nil
        #expect(try store.update(forged, type: .jobs, namespace: "default") == same)
    }

    @Test func statusSubresourceChangesOnlyStatus() throws {
        let store = makeStore()
        let created = try store.create(job("x"), type: .jobs, namespace: "default")
        // The main resource ignores status…
        var withStatus = created
        withStatus.setMember("status", ["active": 1])
        let main = try store.update(withStatus, type: .jobs, namespace: "default")
        #expect(main["status"] == nil)
        #expect(rv(main) == rv(created))
        // …and the status subresource ignores everything else.
        var body = created
        body[path: ["spec", "parallelism"]] = 9
        body[path: ["metadata", "labels"]] = ["ignored": "yes"]
        body.setMember("status", ["active": 1])
        let updated = try store.update(body, type: .jobs, namespace: "default", subresource: "status")
        #expect(updated["status"] == ["active": 1])
        #expect(updated["spec"] == created["spec"])
        // (A Job's labels are defaulted from its template at create, as the Job registry does.)
        #expect(updated[path: ["metadata", "labels"]] == created[path: ["metadata", "labels"]])
        #expect(updated[path: ["metadata", "labels", "ignored"]] == nil)
        #expect(updated[path: ["metadata", "generation"]] == 1)
        let patched = try store.patch(type: .jobs, namespace: "default", name: "x",
            patch: ["status": ["succeeded": 1], "spec": ["parallelism": 2]], subresource: "status")
        #expect(patched["status"] == ["active": 1, "succeeded": 1])
        #expect(patched[path: ["spec", "parallelism"]] == 1)
        #expect(thrownStatus { () throws(Status) in
            try store.update(body, type: .configMaps, namespace: "default", subresource: "status")
        }?.code == 404)
    }

    @Test func finalizersHoldDeletionUntilRemoved() async throws {
        let store = makeStore()
        var body = configMap("c")
        body[path: ["metadata", "finalizers"]] = ["example.com/hold"]
        _ = try store.create(body, type: .configMaps, namespace: "default")
        let watch = try store.watch(type: .configMaps, namespace: "default", options: ListOptions(resourceVersion: store.resourceVersion))

        let pending = try store.delete(type: .configMaps, namespace: "default", name: "c",
            options: DeleteOptions(propagationPolicy: .background, gracePeriodSeconds: 30))
        #expect(pending.removed == false)
        #expect(pending.propagationPolicy == .background)
        #expect(pending.object[path: ["metadata", "deletionTimestamp"]] == .string(fixedTimestamp))
        #expect(pending.object[path: ["metadata", "deletionGracePeriodSeconds"]] == 30)
        #expect(try store.get(type: .configMaps, namespace: "default", name: "c") == pending.object)
        // Deleting again changes nothing.
        #expect(try store.delete(type: .configMaps, namespace: "default", name: "c").object == pending.object)

        var current = pending.object
        current.setMember("data", ["k": "edited"])
        let edited = try store.update(current, type: .configMaps, namespace: "default")
        #expect(edited[path: ["metadata", "deletionTimestamp"]] == .string(fixedTimestamp))

        let last = try store.patch(type: .configMaps, namespace: "default", name: "c",
            patch: ["metadata": ["finalizers": nil]])
        #expect(thrownStatus { () throws(Status) in try store.get(type: .configMaps, namespace: "default", name: "c") }?.code == 404)
        #expect(rv(last) == store.resourceVersion)

        let events = await collect(watch, count: 3)
        #expect(events.map(\.type) == [.modified, .modified, .deleted])
        #expect(events[2].object == last)
        #expect(store.propagationPolicy(type: .configMaps, namespace: "default", name: "c") == .background)
    }

    @Test func foregroundAndOrphanAddTheirFinalizers() throws {
        let store = makeStore()
        _ = try store.create(job("fg"), type: .jobs, namespace: "default")
        _ = try store.create(job("or"), type: .jobs, namespace: "default")
        let fg = try store.delete(type: .jobs, namespace: "default", name: "fg",
            options: DeleteOptions(propagationPolicy: .foreground))
        #expect(fg.removed == false)
        #expect(fg.object[path: ["metadata", "finalizers"]] == ["foregroundDeletion"])
        #expect(fg.object[path: ["metadata", "deletionGracePeriodSeconds"]] == 0)
        let orphan = try store.delete(type: .jobs, namespace: "default", name: "or",
            options: DeleteOptions(propagationPolicy: .orphan))
        #expect(orphan.object[path: ["metadata", "finalizers"]] == ["orphan"])
        #expect(store.propagationPolicy(type: .jobs, namespace: "default", name: "or") == .orphan)

        // The garbage collector removes the finalizer; the object goes.
        _ = try store.patch(type: .jobs, namespace: "default", name: "fg", patch: ["metadata": ["finalizers": []]])
        #expect(thrownStatus { () throws(Status) in try store.get(type: .jobs, namespace: "default", name: "fg") }?.code == 404)
    }

    @Test func plainDeleteRemovesAtANewRevision() throws {
        let store = makeStore()
        let created = try store.create(configMap("c"), type: .configMaps, namespace: "default")
        let result = try store.delete(type: .configMaps, namespace: "default", name: "c")
        #expect(result.removed)
        #expect(rv(result.object) == String(Int(rv(created))! + 1))
        #expect(names(try store.list(type: .configMaps, namespace: "default")).isEmpty)
        // The name is free again.
        _ = try store.create(configMap("c"), type: .configMaps, namespace: "default")
    }
}
