import FlightdeckCore
import Foundation
import KubeModel
import Testing

@Suite struct PathTests {
    @Test func buildAndParseEveryKind() throws {
        let expected: [(ResourceType, String, String)] = [
            (.namespaces, "/api/v1/namespaces", "/api/v1/namespaces/x"),
            (.pods, "/api/v1/namespaces/agents/pods", "/api/v1/namespaces/agents/pods/x"),
            (.persistentVolumeClaims, "/api/v1/namespaces/agents/persistentvolumeclaims", "/api/v1/namespaces/agents/persistentvolumeclaims/x"),
            (.persistentVolumes, "/api/v1/persistentvolumes", "/api/v1/persistentvolumes/x"),
            (.events, "/api/v1/namespaces/agents/events", "/api/v1/namespaces/agents/events/x"),
            (.secrets, "/api/v1/namespaces/agents/secrets", "/api/v1/namespaces/agents/secrets/x"),
            (.configMaps, "/api/v1/namespaces/agents/configmaps", "/api/v1/namespaces/agents/configmaps/x"),
            (.services, "/api/v1/namespaces/agents/services", "/api/v1/namespaces/agents/services/x"),
            (.serviceAccounts, "/api/v1/namespaces/agents/serviceaccounts", "/api/v1/namespaces/agents/serviceaccounts/x"),
            (.jobs, "/apis/batch/v1/namespaces/agents/jobs", "/apis/batch/v1/namespaces/agents/jobs/x"),
            (.deployments, "/apis/apps/v1/namespaces/agents/deployments", "/apis/apps/v1/namespaces/agents/deployments/x"),
            (.replicaSets, "/apis/apps/v1/namespaces/agents/replicasets", "/apis/apps/v1/namespaces/agents/replicasets/x"),
            (.roles, "/apis/rbac.authorization.k8s.io/v1/namespaces/agents/roles", "/apis/rbac.authorization.k8s.io/v1/namespaces/agents/roles/x"),
            (.roleBindings, "/apis/rbac.authorization.k8s.io/v1/namespaces/agents/rolebindings", "/apis/rbac.authorization.k8s.io/v1/namespaces/agents/rolebindings/x"),
            (.networkPolicies, "/apis/networking.k8s.io/v1/namespaces/agents/networkpolicies", "/apis/networking.k8s.io/v1/namespaces/agents/networkpolicies/x"),
            (.storageClasses, "/apis/storage.k8s.io/v1/storageclasses", "/apis/storage.k8s.io/v1/storageclasses/x"),
            (.eventsV1, "/apis/events.k8s.io/v1/namespaces/agents/events", "/apis/events.k8s.io/v1/namespaces/agents/events/x"),
            (.leases, "/apis/coordination.k8s.io/v1/namespaces/agents/leases", "/apis/coordination.k8s.io/v1/namespaces/agents/leases/x"),
            (.selfSubjectAccessReviews, "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews/x"),
            (.selfSubjectReviews, "/apis/authentication.k8s.io/v1/selfsubjectreviews", "/apis/authentication.k8s.io/v1/selfsubjectreviews/x"),
        ]
        #expect(expected.count == ResourceType.all.count)
        for (type, collection, object) in expected {
            #expect(type.path(namespace: "agents") == collection)
            #expect(type.path(namespace: "agents", name: "x") == object)
            let parsedCollection = try APIPath.parse(collection).get()
            #expect(parsedCollection.type == type)
            #expect(parsedCollection.namespace == (type.namespaced ? "agents" : nil))
            #expect(parsedCollection.name == nil)
            let parsedObject = try APIPath.parse(object).get()
            #expect(parsedObject.type == type && parsedObject.name == "x" && parsedObject.subresource == nil)
            #expect(parsedObject.path == object)
        }
        // All namespaces.
        #expect(ResourceType.pods.path() == "/api/v1/pods")
        #expect(try APIPath.parse("/api/v1/pods").get() == APIPath(type: .pods))
        #expect(try APIPath.parse("/apis/batch/v1/jobs?watch=true").get() == APIPath(type: .jobs))
    }

    @Test func subresourcesAndQueries() throws {
        #expect(ResourceType.pods.path(namespace: "agents", name: "p", subresource: "log")
            == "/api/v1/namespaces/agents/pods/p/log")
        #expect(ResourceType.jobs.path(namespace: "agents", name: "j", subresource: "status")
            == "/apis/batch/v1/namespaces/agents/jobs/j/status")
        #expect(try APIPath.parse("/api/v1/namespaces/agents/pods/p/log?follow=true").get()
            == APIPath(type: .pods, namespace: "agents", name: "p", subresource: "log"))
        #expect(try APIPath.parse("/api/v1/namespaces/agents/status").get()
            == APIPath(type: .namespaces, name: "agents", subresource: "status"))
        #expect(try APIPath.parse("/api/v1/persistentvolumes/pv-1/status").get()
            == APIPath(type: .persistentVolumes, name: "pv-1", subresource: "status"))
        #expect(ResourceType.pods.path(namespace: "agents", name: "p", subresource: "log",
            query: PodLogOptions(container: "agent", follow: true))
            == "/api/v1/namespaces/agents/pods/p/log?container=agent&follow=true")
        #expect(ResourceType.pods.path(namespace: "a b", name: "x/y") == "/api/v1/namespaces/a%20b/pods/x%2Fy")
        #expect(try APIPath.parse("/api/v1/namespaces/a%20b/pods/x%2Fy").get().name == "x/y")
    }

    @Test func unknownPathsAreReportedNotGuessed() {
        #expect(APIPath.parse("/api/v1/widgets") == .failure(.unknownResource(group: "", version: "v1", resource: "widgets")))
        #expect(APIPath.parse("/apis/batch/v2/jobs") == .failure(.unknownResource(group: "batch", version: "v2", resource: "jobs")))
        #expect(APIPath.parse("/apis/batch/v1/namespaces/a/jobs/j/log") == .failure(.unknownSubresource(.jobs, "log")))
        #expect(APIPath.parse("/api/v1/namespaces/a/persistentvolumes") == .failure(.invalidScope(.persistentVolumes)))
        #expect(APIPath.parse("/healthz") == .failure(.notAResourcePath))
        #expect(APIPath.parse("/api/v1") == .failure(.notAResourcePath))
        #expect(APIPath.parse("/api/v1/namespaces/a/pods/p/log/extra") == .failure(.notAResourcePath))
        #expect(APIPath.parse("api/v1/pods") == .failure(.notAResourcePath))
    }

    @Test func lookupByKubectlNames() {
        #expect(ResourceType.lookup("po") == .pods)
        #expect(ResourceType.lookup("Job") == .jobs)
        #expect(ResourceType.lookup("jobs.batch") == .jobs)
        #expect(ResourceType.lookup("pvc") == .persistentVolumeClaims)
        #expect(ResourceType.lookup("events") == .events)
        #expect(ResourceType.lookup("events.events.k8s.io") == .eventsV1)
        #expect(ResourceType.lookup("widgets") == nil)
        #expect(ResourceType.forKind("Job", apiVersion: "batch/v1") == .jobs)
        #expect(ResourceType.jobs.qualifiedResource == "jobs.batch")
        #expect(ResourceType.pods.qualifiedKind == "Pod")
    }
}

@Suite struct QueryTests {
    @Test func listOptionsRoundTrip() throws {
        let options = ListOptions(labelSelector: "app in (a, b),!old", fieldSelector: "status.phase!=Running",
            limit: 500, continue: "eyJ2Ijoi+/=", resourceVersion: "48300", resourceVersionMatch: "NotOlderThan",
            watch: true, allowWatchBookmarks: true, timeoutSeconds: 290)
        let query = options.queryString
        #expect(query == "labelSelector=app%20in%20%28a%2C%20b%29%2C%21old&fieldSelector=status.phase%21%3DRunning&limit=500&continue=eyJ2Ijoi%2B%2F%3D&resourceVersion=48300&resourceVersionMatch=NotOlderThan&watch=true&allowWatchBookmarks=true&timeoutSeconds=290")
        #expect(try ListOptions(query: query) == options)
        #expect(try ListOptions(query: "?watch=1&labelSelector=a+in+(x)").watch == true)
        #expect(try ListOptions(query: "?labelSelector=a+in+(x)").labelSelector == "a in (x)")
        #expect(try ListOptions(query: "") == ListOptions())
        #expect(throws: QueryError.self) { try ListOptions(query: "limit=ten") }
        #expect(throws: QueryError.self) { try ListOptions(query: "watch=maybe") }
        #expect(throws: QueryError.self) { try ListOptions(query: "resourceVersionMatch=Newest") }
        #expect(throws: QueryError.self) { try ListOptions(query: "labelSelector=%zz") }
    }

    @Test func deleteOptionsRoundTrip() throws {
        let options = DeleteOptions(propagationPolicy: .foreground, gracePeriodSeconds: 0, dryRun: true)
        #expect(options.queryString == "propagationPolicy=Foreground&gracePeriodSeconds=0&dryRun=All")
        #expect(try DeleteOptions(query: options.queryString) == options)
        #expect(try DeleteOptions(jsonBody: options.jsonBody) == options)
        #expect(options.jsonBody.serialized == #"{"kind":"DeleteOptions","apiVersion":"v1","propagationPolicy":"Foreground","gracePeriodSeconds":0,"dryRun":["All"]}"#)
        #expect(DeleteOptions().queryString == "")
        #expect(throws: QueryError.self) { try DeleteOptions(query: "propagationPolicy=Later") }
    }

    @Test func podLogOptionsRoundTrip() throws {
        let options = PodLogOptions(container: "agent", follow: true, previous: true,
            sinceTime: RFC3339.date(from: "2026-11-29T04:20:00Z"), timestamps: true, tailLines: 100, limitBytes: 1 << 20)
        #expect(options.queryString == "container=agent&follow=true&previous=true&sinceTime=2026-11-29T04%3A20%3A00Z&timestamps=true&tailLines=100&limitBytes=1048576")
        #expect(try PodLogOptions(query: options.queryString) == options)
        let since = PodLogOptions(sinceSeconds: 60)
        #expect(try PodLogOptions(query: since.queryString) == since)
        #expect(throws: QueryError.self) { try PodLogOptions(query: "sinceSeconds=5&sinceTime=2026-11-29T04:20:00Z") }
        #expect(throws: QueryError.self) { try PodLogOptions(query: "sinceTime=yesterday") }
    }
}

@Suite struct SelectorTests {
    @Test func labelSelectorParsesEveryForm() throws {
        let selector = try LabelSelector(parsing: "a=b, c!=d,e in (x, y),f notin (z),g,!h,i==j")
        #expect(selector.requirements.map(\.operator) == [.equals, .notEquals, .in, .notIn, .exists, .doesNotExist, .doubleEquals])
        #expect(selector.requirements[2].values == ["x", "y"])
        #expect(selector.description == "a=b,c!=d,e in (x,y),f notin (z),g,!h,i=j")

        let labels = ["a": "b", "c": "q", "e": "y", "f": "w", "g": "", "i": "j"]
        #expect(selector.matches(labels))
        #expect(!selector.matches(labels.merging(["h": "1"]) { $1 }))
        #expect(!selector.matches(labels.merging(["e": "z"]) { $1 }))
        #expect(!selector.matches(labels.merging(["f": "z"]) { $1 }))
        #expect(!selector.matches(labels.filter { $0.key != "g" }))
        #expect(try LabelSelector(parsing: "c!=d").matches([:]))  // absent satisfies !=
        #expect(try LabelSelector(parsing: "").matches([:]))
        #expect(try LabelSelector(parsing: "flightdeck.dev/job=agent-3f2a").matches(["flightdeck.dev/job": "agent-3f2a"]))
        #expect(try LabelSelector(parsing: "n>3").matches(["n": "4"]))
        let job = try Job(decoding: Fixture.job)
        #expect(try LabelSelector(parsing: "app.kubernetes.io/managed-by=flightdeck").matches(job.json))
    }

    @Test func malformedLabelSelectorsSayWhy() {
        let cases: [(String, String)] = [
            ("a in x", "expected: '(' after 'in'"),
            ("a in (x", "expected: ',' or ')'"),
            ("a=b c=d", "expected: ',' or end of string"),
            ("=b", "expected: identifier"),
            ("a=b=c", "expected: ',' or end of string"),
            ("Bad Key!=x", "expected: in, notin"),
            ("a=-bad-", "invalid label value"),
            ("a/b/c=d", "invalid label key"),
            ("a in (x y)", "expected: ',' or ')'"),
            ("a in (x,-y)", "invalid label value"),
            ("a>x", "exactly one integer value"),
            ("!", "identifier after '!'"),
        ]
        for (text, fragment) in cases {
            do {
                _ = try LabelSelector(parsing: text)
                Issue.record("\(text) parsed")
            } catch {
                #expect(error.message.contains(fragment), "\(text): \(error.message)")
            }
        }
    }

    @Test func fieldSelectors() throws {
        let pod = try JSONParser(maxDepth: 128).parse(Fixture.pod)
        #expect(try FieldSelector(parsing: "metadata.name=agent-3f2a-x7k2p").matches(pod))
        #expect(try FieldSelector(parsing: "status.phase!=Running").matches(pod) == false)
        #expect(try FieldSelector(parsing: "status.phase==Running,spec.nodeName=homelab-1").matches(pod))
        #expect(try FieldSelector(parsing: "spec.schedulerName=").matches(pod))  // absent is ""
        let event = try JSONParser().parse(Fixture.coreEvent)
        #expect(try FieldSelector(parsing: "involvedObject.name=agent-3f2a-x7k2p,type=Warning").matches(event))
        #expect(try FieldSelector(parsing: "involvedObject.kind=Job").matches(event) == false)
        let escaped = try FieldSelector(parsing: #"metadata.name=a\,b\=c"#)
        #expect(escaped.requirements[0].value == "a,b=c")
        #expect(escaped.description == #"metadata.name=a\,b\=c"#)
        #expect(throws: FieldSelector.ParseError.self) { try FieldSelector(parsing: "metadata.name") }
        #expect(throws: FieldSelector.ParseError.self) { try FieldSelector(parsing: "=x") }
        #expect(throws: FieldSelector.ParseError.self) { try FieldSelector(parsing: #"a=b\"#) }
        #expect(ResourceType.pods.supportsFieldSelector(try FieldSelector(parsing: "status.phase=Running")) == nil)
        #expect(ResourceType.jobs.supportsFieldSelector(try FieldSelector(parsing: "spec.suspend=true"))
            == "field label not supported: spec.suspend")
    }
}

@Suite struct PatchTests {
    /// RFC 7386 Appendix A, every row.
    @Test func mergePatchRFCExamples() throws {
        let rows: [(String, String, String)] = [
            (#"{"a":"b"}"#, #"{"a":"c"}"#, #"{"a":"c"}"#),
            (#"{"a":"b"}"#, #"{"b":"c"}"#, #"{"a":"b","b":"c"}"#),
            (#"{"a":"b"}"#, #"{"a":null}"#, #"{}"#),
            (#"{"a":"b","b":"c"}"#, #"{"a":null}"#, #"{"b":"c"}"#),
            (#"{"a":["b"]}"#, #"{"a":"c"}"#, #"{"a":"c"}"#),
            (#"{"a":"c"}"#, #"{"a":["b"]}"#, #"{"a":["b"]}"#),
            (#"{"a":{"b":"c"}}"#, #"{"a":{"b":"d","c":null}}"#, #"{"a":{"b":"d"}}"#),
            (#"{"a":[{"b":"c"}]}"#, #"{"a":[1]}"#, #"{"a":[1]}"#),
            (#"["a","b"]"#, #"["c","d"]"#, #"["c","d"]"#),
            (#"{"a":"b"}"#, #"["c"]"#, #"["c"]"#),
            (#"{"a":"foo"}"#, "null", "null"),
            (#"{"a":"foo"}"#, #""bar""#, #""bar""#),
            (#"{"e":null}"#, #"{"a":1}"#, #"{"e":null,"a":1}"#),
            (#"[1,2]"#, #"{"a":"b","c":null}"#, #"{"a":"b"}"#),
            (#"{}"#, #"{"a":{"bb":{"ccc":null}}}"#, #"{"a":{"bb":{}}}"#),
        ]
        let parser = JSONParser()
        for (original, patch, result) in rows {
            #expect(MergePatch.apply(try parser.parse(patch), to: try parser.parse(original)).serialized == result)
        }
        // The RFC §3 example.
        let target = try parser.parse(#"{"title":"Goodbye!","author":{"givenName":"John","familyName":"Doe"},"tags":["example","sample"],"content":"This will be unchanged"}"#)
        let patch = try parser.parse(#"{"title":"Hello!","phoneNumber":"+01-123-456-7890","author":{"familyName":null},"tags":["example"]}"#)
        #expect(MergePatch.apply(patch, to: target).serialized
            == #"{"title":"Hello!","author":{"givenName":"John"},"tags":["example"],"content":"This will be unchanged","phoneNumber":"+01-123-456-7890"}"#)
        #expect(MergePatch.apply(MergePatch.diff(from: target, to: MergePatch.apply(patch, to: target)), to: target)
            == MergePatch.apply(patch, to: target))
    }

    @Test func strategicMergesContainersByName() throws {
        let pod = try JSONParser(maxDepth: 128).parse(Fixture.pod)
        let patch = try JSONParser().parse(#"{"spec":{"containers":[{"name":"agent","image":"agent:2","env":[{"name":"X","value":"1"}]},{"name":"debug","image":"busybox"}],"initContainers":[{"name":"seed","$patch":"delete"}]}}"#)
        let result = Pod(json: try StrategicMergePatch.apply(patch, to: pod))
        #expect(result.spec.containers.map(\.name) == ["agent", "debug"])
        #expect(result.spec.containers[0].image == "agent:2")
        #expect(result.spec.containers[0].volumeMounts.first?.mountPath == "/workspace")  // kept
        #expect(result.spec.containers[0].resources.requests["cpu"] == "500m")  // kept
        #expect(result.spec.containers[0].env.map(\.name) == ["X"])
        #expect(result.spec.initContainers.map(\.name) == ["log-shipper"])
        #expect(result.status.phase == .running)

        // Env merged by name; volumeMounts by mountPath; container ports by containerPort.
        let base: JSONValue = try JSONParser().parse(#"{"spec":{"containers":[{"name":"a","env":[{"name":"A","value":"1"},{"name":"B","value":"2"}],"ports":[{"containerPort":80,"name":"http"}],"volumeMounts":[{"mountPath":"/w","name":"w"}]}],"ports":[{"port":4222,"name":"client"}]}}"#)
        let merged = try StrategicMergePatch.apply(try JSONParser().parse(#"{"spec":{"containers":[{"name":"a","env":[{"name":"B","value":"3"}],"ports":[{"containerPort":80,"protocol":"TCP"}],"volumeMounts":[{"mountPath":"/w","readOnly":true}]}],"ports":[{"port":4222,"targetPort":4222}]}}"#), to: base)
        #expect(merged.serialized == #"{"spec":{"containers":[{"name":"a","env":[{"name":"A","value":"1"},{"name":"B","value":"3"}],"ports":[{"containerPort":80,"name":"http","protocol":"TCP"}],"volumeMounts":[{"mountPath":"/w","name":"w","readOnly":true}]}],"ports":[{"port":4222,"name":"client","targetPort":4222}]}}"#)
    }

    @Test func strategicFinalizersOwnerReferencesAndDirectives() throws {
        let parser = JSONParser()
        let object = try parser.parse(#"{"metadata":{"finalizers":["a","b"],"ownerReferences":[{"uid":"1","name":"x","controller":true},{"uid":"2","name":"y"}],"labels":{"k":"v","old":"1"}},"spec":{"tolerations":[{"key":"a"}],"args":["1","2"]}}"#)
        let patch = try parser.parse(#"{"metadata":{"finalizers":["c","a"],"$deleteFromPrimitiveList/finalizers":["b"],"ownerReferences":[{"uid":"2","name":"z"},{"uid":"3","name":"w"}],"labels":{"old":null},"$setElementOrder/finalizers":["a","c"]},"spec":{"tolerations":[{"key":"b"}],"args":["3"]}}"#)
        let result = try StrategicMergePatch.apply(patch, to: object)
        #expect(result.serialized == #"{"metadata":{"finalizers":["a","c"],"ownerReferences":[{"uid":"1","name":"x","controller":true},{"uid":"2","name":"z"},{"uid":"3","name":"w"}],"labels":{"k":"v"}},"spec":{"tolerations":[{"key":"b"}],"args":["3"]}}"#)

        // $patch: replace on a map and on a list; $patch: delete on a map.
        let replaced = try StrategicMergePatch.apply(try parser.parse(#"{"metadata":{"labels":{"$patch":"replace","only":"this"}},"spec":{"$patch":"delete"}}"#), to: object)
        #expect(replaced.serialized == #"{"metadata":{"finalizers":["a","b"],"ownerReferences":[{"uid":"1","name":"x","controller":true},{"uid":"2","name":"y"}],"labels":{"only":"this"}}}"#)
        let listReplaced = try StrategicMergePatch.apply(try parser.parse(#"{"metadata":{"ownerReferences":[{"$patch":"replace"},{"uid":"9","name":"n"}]}}"#), to: object)
        #expect(listReplaced["metadata"]?["ownerReferences"]?.serialized == #"[{"uid":"9","name":"n"}]"#)
        let retained = try StrategicMergePatch.apply(try parser.parse(#"{"metadata":{"$retainKeys":["labels"],"labels":{"n":"1"}}}"#), to: object)
        #expect(retained.serialized == #"{"metadata":{"labels":{"k":"v","old":"1","n":"1"}},"spec":{"tolerations":[{"key":"a"}],"args":["1","2"]}}"#)

        #expect(throws: StrategicMergePatch.Error.self) { try StrategicMergePatch.apply(try parser.parse(#"{"$bogus":1}"#), to: object) }
        #expect(throws: StrategicMergePatch.Error.self) {
            try StrategicMergePatch.apply(try parser.parse(#"{"metadata":{"ownerReferences":[{"name":"no-uid"}]}}"#), to: object)
        }
        #expect(throws: StrategicMergePatch.Error.self) { try StrategicMergePatch.apply("[]", to: object) }
    }

    @Test func conditionsMergeByType() throws {
        let job = try JSONParser(maxDepth: 128).parse(Fixture.job)
        let patch = try JSONParser().parse(#"{"status":{"conditions":[{"type":"Complete","status":"False"},{"type":"Failed","status":"True","reason":"BackoffLimitExceeded"}]}}"#)
        let result = Job(json: try StrategicMergePatch.apply(patch, to: job))
        #expect(result.status.conditions.map(\.type) == ["SuccessCriteriaMet", "Complete", "Failed"])
        #expect(result.status.condition(.complete)?.status == .false)
        #expect(result.status.condition(.complete)?.reason == "CompletionsReached")
        #expect(result.metadata.managedFields == Job(json: job).metadata.managedFields)
    }
}

@Suite struct QuantityTests {
    @Test func parseCompareFormat() throws {
        #expect(Quantity("500m").milliValue == 500)
        #expect(Quantity("2").milliValue == 2000)
        #expect(Quantity("1.5").milliValue == 1500)
        #expect(Quantity("1Gi").int64Value == 1 << 30)
        #expect(Quantity("5G").int64Value == 5_000_000_000)
        #expect(Quantity("512Mi").int64Value == 512 << 20)
        #expect(Quantity("1e3").int64Value == 1000)
        #expect(Quantity("1E").int64Value == 1_000_000_000_000_000_000)
        #expect(Quantity("100k").int64Value == 100_000)
        #expect(Quantity("0.5m").milliValue == 1)  // rounds up, as Quantity.MilliValue
        #expect(Quantity("1Gi") == Quantity("1024Mi"))
        #expect(Quantity("1Gi") > Quantity("1G"))
        #expect(Quantity("500m") < Quantity("1"))
        #expect(Quantity("-1").int64Value == -1)
        #expect(Quantity("1024Mi").description == "1024Mi")  // text kept
        #expect(Quantity.cpu(millicores: 500).description == "500m")
        #expect(Quantity.cpu(millicores: 2000).description == "2")
        #expect(Quantity.bytes(1 << 30).description == "1Gi")
        #expect(Quantity.bytes(1536 << 20).description == "1536Mi")
        #expect(Quantity.bytes(1000).description == "1000")
        #expect(Quantity.decimalBytes(5_000_000_000).description == "5G")
        for bad in ["", "Gi", "1.2.3", "1Zi", "abc", "1 Gi", "--1", "1e"] {
            #expect(throws: Quantity.ParseError.self, "\(bad)") { try Quantity(parsing: bad) }
        }
    }
}
