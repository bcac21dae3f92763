import FlightdeckCore
import FlightdeckTestSupport
import Foundation
import KubeClient
import KubeModel
import SimServer
import Testing

/// `application/json-patch+json` over the wire through `KubeAPI`: the simulated cluster by
/// default, a real k3s when `FLIGHTDECK_TEST_KUBECONFIG` is set — the answers must agree in
/// code, reason and effect. Their sentences differ between releases and with the request's
/// `fieldValidation` (a patch that is not an array: `json: cannot unmarshal object into Go
/// value of type jsonpatch.Patch` with `Ignore`, `error decoding patch: json: cannot
/// unmarshal object into Go value of type []handlers.jsonPatchOp` by default), so only the
/// sim-only tests (SimClusterTests, KubeModelTests, kubectl's against the sim) pin them.
@Suite(.timeLimit(.minutes(3))) struct JSONPatchClientTests {
    func operations(_ text: String) throws -> JSONValue { try JSONParser().parse(text) }

    @Test func everyOperationThroughTheClient() async throws {
        try await withCluster { cluster in
            let ns = cluster.namespace
            let created = try await cluster.api.create(.configMaps, namespace: ns,
                cluster.configMap("settings", ["mode": "a", "old": "x"]))
            let patched = try await cluster.api.patch(.configMaps, namespace: ns, name: "settings", try operations("""
                [{"op":"test","path":"/data/mode","value":"a"},
                 {"op":"add","path":"/metadata/labels","value":{}},
                 {"op":"add","path":"/metadata/labels/app.kubernetes.io~1name","value":"egress"},
                 {"op":"replace","path":"/data/mode","value":"b"},
                 {"op":"copy","from":"/data/mode","path":"/data/copied"},
                 {"op":"move","from":"/data/old","path":"/data/moved"},
                 {"op":"remove","path":"/data/copied"}]
                """), kind: .json)
            #expect(patched[path: ["metadata", "labels", "app.kubernetes.io/name"]] == "egress")
            #expect(patched["data"] == ["mode": "b", "moved": "x"])
            #expect(rv(patched) != rv(created))

            let fetched = try await cluster.api.get(.configMaps, namespace: ns, name: "settings")
            #expect(fetched["data"] == patched["data"])
            #expect(rv(fetched) == rv(patched))
        }
    }

    @Test func failuresAreTheApiserversAnswers() async throws {
        try await withCluster { cluster in
            let ns = cluster.namespace
            let created = try await cluster.api.create(.configMaps, namespace: ns, cluster.configMap("settings", ["mode": "a"]))

            // An operation that does not apply: 422 Invalid, nothing written.
            let failed = await apiError {
                try await cluster.api.patch(.configMaps, namespace: ns, name: "settings", try operations(
                    #"[{"op":"replace","path":"/data/mode","value":"b"},{"op":"test","path":"/data/mode","value":"a"}]"#),
                    kind: .json)
            }
            #expect(failed?.code == 422)
            #expect(failed?.reason == "Invalid")
            let missing = await apiError {
                try await cluster.api.patch(.configMaps, namespace: ns, name: "settings",
                    try operations(#"[{"op":"remove","path":"/data/missing"}]"#), kind: .json)
            }
            #expect(missing?.code == 422)
            #expect(missing?.reason == "Invalid")
            let unchanged = try await cluster.api.get(.configMaps, namespace: ns, name: "settings")
            #expect(rv(unchanged) == rv(created))
            #expect(unchanged[path: ["data", "mode"]] == "a")

            // Not a patch document, or not JSON: 400 BadRequest, nothing written.
            let object = await apiError {
                try await cluster.api.patch(.configMaps, namespace: ns, name: "settings", ["data": ["mode": "b"]], kind: .json)
            }
            #expect(object?.code == 400)
            #expect(object?.reason == "BadRequest")
            let path = ResourceType.configMaps.path(namespace: ns, name: "settings")
            let syntax = await apiError {
                try await cluster.api.json(APIRequest(method: "PATCH", path: path, contentType: "application/json-patch+json",
                    body: Array(#"[{"op":"replace","path":/data/mode,"value":"b"}]"#.utf8)))
            }
            #expect(syntax?.code == 400)
            #expect(syntax?.reason == "BadRequest")
            // Decoded leniently or strictly, an object is not a patch.
            for validation in ["Ignore", "Strict"] {
                let refused = await apiError {
                    try await cluster.api.json(APIRequest(method: "PATCH", path: path + "?fieldValidation=" + validation,
                        contentType: "application/json-patch+json", body: Array(#"{"op":"replace","path":"/data/mode","value":"b"}"#.utf8)))
                }
                #expect(refused?.code == 400, "\(validation)")
                #expect(refused?.reason == "BadRequest", "\(validation)")
            }
            #expect(rv(try await cluster.api.get(.configMaps, namespace: ns, name: "settings")) == rv(created))

            // A missing object is 404 whatever the patch; a stale version set by the patch is 409.
            #expect(await apiError {
                try await cluster.api.patch(.configMaps, namespace: ns, name: "absent", ["not": "a patch"], kind: .json)
            }?.code == 404)
            _ = try await cluster.api.patch(.configMaps, namespace: ns, name: "settings", ["data": ["mode": "c"]])
            let stale = await apiError {
                try await cluster.api.patch(.configMaps, namespace: ns, name: "settings", try operations(
                    #"[{"op":"replace","path":"/metadata/resourceVersion","value":"\#(rv(created))"},{"op":"replace","path":"/data/mode","value":"d"}]"#),
                    kind: .json)
            }
            #expect(stale?.code == 409)
            #expect(stale?.reason == "Conflict")
        }
    }

    @Test func mainStatusAndScaleOfADeployment() async throws {
        try await withCluster { cluster in
            let ns = cluster.namespace
            let deployment: JSONValue = [
                "apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": "web", "namespace": .string(ns)],
                "spec": [
                    "replicas": 1, "selector": ["matchLabels": ["app": "web"]],
                    "template": ["metadata": ["labels": ["app": "web"]],
                        "spec": ["containers": [["name": "web", "image": "registry.example/web:1"]]]],
                ],
            ]
            let created = try await cluster.api.create(.deployments, namespace: ns, deployment)
            #expect(created[path: ["metadata", "generation"]] == 1)

            let replicas = try await cluster.api.patch(.deployments, namespace: ns, name: "web",
                try operations(#"[{"op":"replace","path":"/spec/replicas","value":2}]"#), kind: .json)
            #expect(replicas[path: ["spec", "replicas"]] == 2)
            #expect(replicas[path: ["metadata", "generation"]] == 2)

            let labelled = try await cluster.api.patch(.deployments, namespace: ns, name: "web",
                try operations(#"[{"op":"add","path":"/metadata/labels","value":{"tier":"edge"}}]"#), kind: .json)
            #expect(labelled[path: ["metadata", "generation"]] == 2)

            let scale = try await cluster.api.patch(.deployments, namespace: ns, name: "web",
                JSONPatch([.test("/spec/replicas", 2), .replace("/spec/replicas", 3)]), subresource: "scale")
            #expect(scale["kind"] == "Scale")
            #expect(scale[path: ["spec", "replicas"]] == 3)
            let afterScale = try await cluster.api.get(.deployments, namespace: ns, name: "web")
            #expect(afterScale[path: ["spec", "replicas"]] == 3)
            #expect(afterScale[path: ["metadata", "generation"]] == 3)
            #expect(await apiError {
                try await cluster.api.patch(.deployments, namespace: ns, name: "web",
                    try operations(#"[{"op":"test","path":"/spec/replicas","value":1}]"#), kind: .json, subresource: "scale")
            }?.code == 422)

            // Through status, the spec does not change.
            let status = try await cluster.api.patch(.deployments, namespace: ns, name: "web",
                try operations(#"[{"op":"replace","path":"/spec/replicas","value":9}]"#), kind: .json, subresource: "status")
            #expect(status[path: ["spec", "replicas"]] == 3)
            #expect(status[path: ["metadata", "generation"]] == 3)
        }
    }

    private func rv(_ object: JSONValue) -> String { object[path: ["metadata", "resourceVersion"]]?.stringValue ?? "" }

    /// The `APIError` `body` threw; `nil` when it succeeded.
    private func apiError(_ body: () async throws -> JSONValue) async -> APIError? {
        do {
            _ = try await body()
            return nil
        } catch {
            return error as? APIError
        }
    }
}
