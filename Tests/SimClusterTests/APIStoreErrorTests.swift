import FlightdeckCore
import KubeModel
import Testing
@testable import SimCluster

/// Every rejection carries the apiserver's exact Status body: clients (kubectl, client-go)
/// parse `reason` and print `message`.
@Suite struct APIStoreErrorTests {
    @Test func missingNameIsInvalid() {
        let store = makeStore()
        let status = thrownStatus { () throws(Status) in try store.create(job(nil), type: .jobs, namespace: "default") }
        #expect(status?.serialized == #"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Job.batch \"\" is invalid: metadata.name: Required value: name or generateName is required","reason":"Invalid","details":{"group":"batch","kind":"Job","causes":[{"reason":"FieldValueRequired","message":"Required value: name or generateName is required","field":"metadata.name"}]},"code":422}"#)
    }

    @Test func duplicateNameAlreadyExists() throws {
        let store = makeStore()
        _ = try store.create(job("x"), type: .jobs, namespace: "default")
        let status = thrownStatus { () throws(Status) in try store.create(job("x"), type: .jobs, namespace: "default") }
        #expect(status?.serialized == #"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"jobs.batch \"x\" already exists","reason":"AlreadyExists","details":{"name":"x","group":"batch","kind":"jobs"},"code":409}"#)
    }

    @Test func missingNamespaceIsNotFound() {
        let store = makeStore()
        let status = thrownStatus { () throws(Status) in try store.create(job("x"), type: .jobs, namespace: "nope") }
        #expect(status?.serialized == #"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"namespaces \"nope\" not found","reason":"NotFound","details":{"name":"nope","kind":"namespaces"},"code":404}"#)
    }

    @Test func terminatingNamespaceIsForbidden() throws {
        let store = makeStore()
        _ = try store.create(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "agents"]], type: .namespaces)
        let deleted = try store.delete(type: .namespaces, name: "agents")
        #expect(deleted.removed == false)
        #expect(deleted.object[path: ["status", "phase"]] == "Terminating")
        let status = thrownStatus { () throws(Status) in try store.create(job("x"), type: .jobs, namespace: "agents") }
        #expect(status?.serialized == #"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"jobs.batch \"x\" is forbidden: unable to create new content in namespace agents because it is being terminated","reason":"Forbidden","details":{"name":"x","group":"batch","kind":"jobs","causes":[{"reason":"NamespaceTerminating","message":"namespace agents is being terminated","field":"metadata.namespace"}]},"code":403}"#)
        #expect(status?.hasCause(Status.namespaceTerminatingCause) == true)
    }

    @Test func namespaceMismatchIsBadRequest() {
        let store = makeStore()
        let status = thrownStatus { () throws(Status) in
            try store.create(job("x", namespace: "kube-system"), type: .jobs, namespace: "default")
        }
        #expect(status?.serialized == #"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"the namespace of the provided object does not match the namespace sent on the request","reason":"BadRequest","code":400}"#)
    }

    @Test func staleResourceVersionConflicts() throws {
        let store = makeStore()
        let first = try store.create(job("x"), type: .jobs, namespace: "default")
        var changed = first
        changed[path: ["metadata", "labels"]] = ["a": "1"]
        _ = try store.update(changed, type: .jobs, namespace: "default", name: "x")
        changed[path: ["metadata", "labels"]] = ["a": "2"]  // still carries the first version
        let status = thrownStatus { () throws(Status) in try store.update(changed, type: .jobs, namespace: "default") }
        #expect(status?.serialized == #"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Operation cannot be fulfilled on jobs.batch \"x\": the object has been modified; please apply your changes to the latest version and try again","reason":"Conflict","details":{"name":"x","group":"batch","kind":"jobs"},"code":409}"#)
        // A patch carrying a stale version is refused the same way.
        let patchStatus = thrownStatus { () throws(Status) in
            try store.patch(type: .jobs, namespace: "default", name: "x",
                patch: ["metadata": ["resourceVersion": .string(rv(first)), "labels": ["b": "1"]]])
        }
        #expect(patchStatus?.code == 409)
        #expect(patchStatus?.reason == "Conflict")
    }

    @Test func getOfMissingObjectIsNotFound() {
        let store = makeStore()
        let status = thrownStatus { () throws(Status) in try store.get(type: .jobs, namespace: "default", name: "gone") }
        #expect(status?.serialized == #"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"jobs.batch \"gone\" not found","reason":"NotFound","details":{"name":"gone","group":"batch","kind":"jobs"},"code":404}"#)
        let deleteStatus = thrownStatus { () throws(Status) in try store.delete(type: .pods, namespace: "default", name: "p") }
        #expect(deleteStatus?.message == #"pods "p" not found"#)
    }

    @Test func expiredContinueIsGoneWithTheRealMessage() throws {
        let store = makeStore()
        for index in 0..<3 { _ = try store.create(configMap("c\(index)"), type: .configMaps, namespace: "default") }
        let page = try store.list(type: .configMaps, namespace: "default", options: ListOptions(limit: 1))
        let token = try #require(page[path: ["metadata", "continue"]]?.stringValue)
        _ = try store.create(configMap("later"), type: .configMaps, namespace: "default")
        store.compact()
        let status = thrownStatus { () throws(Status) in
            try store.list(type: .configMaps, namespace: "default", options: ListOptions(limit: 1, continue: token))
        }
        #expect(status?.serialized == #"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue value from the response to get the next page.","reason":"Expired","code":410}"#)
    }

    @Test func badSelectorsAndTokensAreBadRequests() {
        let store = makeStore()
        let field = thrownStatus { () throws(Status) in
            try store.list(type: .jobs, options: ListOptions(fieldSelector: "spec.parallelism=1"))
        }
        #expect(field?.code == 400)
        #expect(field?.message == "field label not supported: spec.parallelism")
        let token = thrownStatus { () throws(Status) in
            try store.list(type: .jobs, options: ListOptions(limit: 1, continue: "garbage!"))
        }
        #expect(token?.code == 400)
        #expect(token?.reason == "BadRequest")
    }
}
