import FlightdeckCore
import Foundation
import KubeModel
import Synchronization
import Testing

@testable import SimCluster

/// PATCH with `application/json-patch+json` in the store: the same resourceVersion,
/// generation and subresource rules as the other patch types, and the apiserver's errors.
@Suite struct APIStoreJSONPatchTests {
    func operations(_ text: String) throws -> JSONValue { try JSONParser().parse(text) }

    @Test func versionAndGenerationAsForEveryWrite() throws {
        let store = makeStore()
        let created = try store.create(job("x", labels: ["app": "a"]), type: .jobs, namespace: "default")
        #expect(created[path: ["metadata", "generation"]] == 1)

        // Metadata only: a new version, the same generation.
        let labelled = try store.patch(type: .jobs, namespace: "default", name: "x",
            patch: try operations(#"[{"op":"add","path":"/metadata/labels/tier","value":"web"}]"#), kind: .json)
        #expect(labelled[path: ["metadata", "labels", "tier"]] == "web")
        #expect(labelled[path: ["metadata", "generation"]] == 1)
        #expect(Int(rv(labelled))! > Int(rv(created))!)

        // The spec: the generation moves on.
        let scaled = try store.patch(type: .jobs, namespace: "default", name: "x",
            patch: try operations(#"[{"op":"replace","path":"/spec/parallelism","value":3}]"#), kind: .json)
        #expect(scaled[path: ["spec", "parallelism"]] == 3)
        #expect(scaled[path: ["metadata", "generation"]] == 2)

        // A patch that changes nothing commits nothing.
        let same = try store.patch(type: .jobs, namespace: "default", name: "x",
            patch: try operations(#"[{"op":"test","path":"/spec/parallelism","value":3}]"#), kind: .json)
        #expect(rv(same) == rv(scaled))
        #expect(store.resourceVersion == rv(scaled))

        // What clients may not change stays (uid), and status is the status subresource's.
        let forged = try store.patch(type: .jobs, namespace: "default", name: "x",
            patch: try operations(#"[{"op":"replace","path":"/metadata/uid","value":"forged"},{"op":"add","path":"/status","value":{"active":5}}]"#),
            kind: .json)
        #expect(forged[path: ["metadata", "uid"]] == created[path: ["metadata", "uid"]])
        #expect(forged["status"] == nil)
    }

    @Test func theStatusSubresourceTakesOnlyStatus() throws {
        let store = makeStore()
        _ = try store.create(job("x"), type: .jobs, namespace: "default")
        let patched = try store.patch(type: .jobs, namespace: "default", name: "x",
            patch: try operations(#"[{"op":"add","path":"/status","value":{"succeeded":1}},{"op":"replace","path":"/spec/parallelism","value":7}]"#),
            kind: .json, subresource: "status")
        #expect(patched["status"] == ["succeeded": 1])
        #expect(patched[path: ["spec", "parallelism"]] == 1)
        #expect(patched[path: ["metadata", "generation"]] == 1)
    }

    @Test func aSetResourceVersionIsAPrecondition() throws {
        let store = makeStore()
        let created = try store.create(configMap("c"), type: .configMaps, namespace: "default")
        _ = try store.patch(type: .configMaps, namespace: "default", name: "c", patch: ["data": ["k": "newer"]])
        let stale = thrownStatus { () throws(Status) in
            try store.patch(type: .configMaps, namespace: "default", name: "c",
                patch: try! operations(#"[{"op":"replace","path":"/metadata/resourceVersion","value":"\#(rv(created))"},{"op":"replace","path":"/data/k","value":"mine"}]"#),
                kind: .json)
        }
        #expect(stale?.code == 409)
        #expect(stale?.reason == "Conflict")
        // A `test` of the version is the other way to say it: 422 when it moved on.
        let tested = thrownStatus { () throws(Status) in
            try store.patch(type: .configMaps, namespace: "default", name: "c",
                patch: try! operations(#"[{"op":"test","path":"/metadata/resourceVersion","value":"\#(rv(created))"}]"#),
                kind: .json)
        }
        #expect(tested?.code == 422)
    }

    @Test func errorsAreTheApiserversStatuses() throws {
        let store = makeStore()
        _ = try store.create(configMap("c"), type: .configMaps, namespace: "default")
        let before = try store.get(type: .configMaps, namespace: "default", name: "c")

        let failed = thrownStatus { () throws(Status) in
            try store.patch(type: .configMaps, namespace: "default", name: "c",
                patch: try! operations(#"[{"op":"replace","path":"/data/k","value":"x"},{"op":"remove","path":"/data/missing"}]"#),
                kind: .json)
        }
        #expect(failed?.json.serialized
            == #"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"the server rejected our request due to an error in our request","reason":"Invalid","details":{},"code":422}"#)
        #expect(try store.get(type: .configMaps, namespace: "default", name: "c") == before)

        let malformed = thrownStatus { () throws(Status) in
            try store.patch(type: .configMaps, namespace: "default", name: "c", patch: ["data": ["k": "x"]], kind: .json)
        }
        #expect(malformed?.code == 400)
        #expect(malformed?.message == "json: cannot unmarshal object into Go value of type jsonpatch.Patch")

        // The object is looked up first: a missing one is 404 whatever the patch.
        let missing = thrownStatus { () throws(Status) in
            try store.patch(type: .configMaps, namespace: "default", name: "nope", patch: ["data": 1], kind: .json)
        }
        #expect(missing?.code == 404)
    }

    /// With admission plugins the store reads, patches, admits and writes; a write in
    /// between makes it apply the patch again to the newer object, unless the patch set the
    /// version it expects.
    @Test func aConcurrentWriteIsRetriedUnlessThePatchSetTheVersion() throws {
        let store = makeStore()
        let plugin = InterleavedWrite()
        store.registerAdmissionPlugin(plugin)
        let created = try store.create(configMap("c"), type: .configMaps, namespace: "default")

        plugin.armed.withLock { $0 = true }
        let patched = try store.patch(type: .configMaps, namespace: "default", name: "c",
            patch: try operations(#"[{"op":"add","path":"/data/mine","value":"1"}]"#), kind: .json)
        #expect(patched[path: ["metadata", "labels", "raced"]] == "1")
        #expect(patched[path: ["data", "mine"]] == "1")

        let current = try store.get(type: .configMaps, namespace: "default", name: "c")
        plugin.armed.withLock { $0 = true }
        let pinned = thrownStatus { () throws(Status) in
            try store.patch(type: .configMaps, namespace: "default", name: "c",
                patch: try! operations(#"[{"op":"replace","path":"/metadata/resourceVersion","value":"\#(rv(current))"},{"op":"add","path":"/data/pinned","value":"1"}]"#),
                kind: .json)
        }
        #expect(pinned?.code == 409)
        #expect(rv(created) != rv(current))
    }
}

/// Writes to the object once, between the store's read and its write, when armed.
private final class InterleavedWrite: AdmissionPlugin {
    let name = "InterleavedWrite"
    let armed = Mutex(false)

    func admit(_ request: inout AdmissionRequest, store: APIStore) throws(Status) -> [String] {
        guard request.type == .configMaps, armed.withLock({ armed in defer { armed = false }; return armed }) else {
            return []
        }
        let old = try store.get(type: .configMaps, namespace: request.namespace, name: request.name)
        let count = (old[path: ["metadata", "labels", "raced"]]?.stringValue).flatMap { Int($0) } ?? 0
        _ = try store.patch(type: .configMaps, namespace: request.namespace, name: request.name,
            patch: ["metadata": ["labels": ["raced": .string(String(count + 1))]]])
        return []
    }
}
