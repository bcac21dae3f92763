import FlightdeckCore
import KubeModel
import Testing
@testable import KubeClient

@Suite struct APIRequestTests {
    @Test func getsAndListsUseTheResourcePaths() {
        #expect(APIRequest.get(.jobs, namespace: "agents", name: "agent-3f2a").path == "/apis/batch/v1/namespaces/agents/jobs/agent-3f2a")
        #expect(APIRequest.get(.persistentVolumes, namespace: "agents", name: "pvc-1").path == "/api/v1/persistentvolumes/pvc-1")
        let list = APIRequest.list(.pods, namespace: "agents", options: ListOptions(labelSelector: "app.kubernetes.io/managed-by=flightdeck", limit: 500))
        #expect(list.method == "GET")
        #expect(list.path.hasPrefix("/api/v1/namespaces/agents/pods?"))
        #expect(list.path.contains("labelSelector=app.kubernetes.io%2Fmanaged-by%3Dflightdeck"))
        #expect(list.path.contains("limit=500"))
        #expect(!list.isStream)
    }

    @Test func aWatchIsAStreamFromAResourceVersion() {
        let watch = APIRequest.watch(.jobs, namespace: nil, options: ListOptions(
            limit: 500, resourceVersion: "12345", allowWatchBookmarks: true, timeoutSeconds: 300))
        #expect(watch.isStream)
        #expect(watch.path.hasPrefix("/apis/batch/v1/jobs?"))
        for part in ["watch=true", "resourceVersion=12345", "allowWatchBookmarks=true", "timeoutSeconds=300"] {
            #expect(watch.path.contains(part), "\(part) in \(watch.path)")
        }
        #expect(!watch.path.contains("limit="), "a watch has no page size")
    }

    @Test func writesCarryTheirBodyAndContentType() throws {
        let job: JSONValue = ["apiVersion": "batch/v1", "kind": "Job", "metadata": ["name": "agent-1"]]
        let create = APIRequest.create(.jobs, namespace: "agents", object: job, dryRun: true)
        #expect(create.method == "POST")
        #expect(create.path == "/apis/batch/v1/namespaces/agents/jobs?dryRun=All")
        #expect(create.contentType == "application/json")
        #expect(create.body.map { String(decoding: $0, as: UTF8.self) } == job.serialized)

        let patch = APIRequest.patch(.jobs, namespace: "agents", name: "agent-1", patch: ["spec": ["suspend": false]], kind: .merge)
        #expect(patch.method == "PATCH")
        #expect(patch.contentType == "application/merge-patch+json")
        #expect(patch.body.map { String(decoding: $0, as: UTF8.self) } == #"{"spec":{"suspend":false}}"#)
        let status = APIRequest.patch(.jobs, namespace: "agents", name: "agent-1", patch: [:], kind: .strategicMerge, subresource: "status")
        #expect(status.path == "/apis/batch/v1/namespaces/agents/jobs/agent-1/status")
        #expect(status.contentType == "application/strategic-merge-patch+json")
        let json = APIRequest.patch(.deployments, namespace: "fleet", name: "egress-proxy",
            patch: JSONPatch([.replace("/spec/replicas", 2)]).json, kind: .json, subresource: "scale")
        #expect(json.path == "/apis/apps/v1/namespaces/fleet/deployments/egress-proxy/scale")
        #expect(json.contentType == "application/json-patch+json")
        #expect(json.body.map { String(decoding: $0, as: UTF8.self) } == #"[{"op":"replace","path":"/spec/replicas","value":2}]"#)

        let delete = APIRequest.delete(.jobs, namespace: "agents", name: "agent-1", options: DeleteOptions(propagationPolicy: .background))
        #expect(delete.method == "DELETE")
        let body = try JSONParser().parse(delete.body ?? [])
        #expect(body["propagationPolicy"]?.stringValue == "Background")
    }

    @Test func logsFollowAsAStream() {
        let follow = APIRequest.logs(namespace: "agents", pod: "agent-1-x7k2p", options: PodLogOptions(container: "agent", follow: true, timestamps: true))
        #expect(follow.isStream)
        #expect(follow.path.hasPrefix("/api/v1/namespaces/agents/pods/agent-1-x7k2p/log?"))
        #expect(follow.path.contains("container=agent"))
        #expect(follow.path.contains("follow=true"))
        #expect(!APIRequest.logs(namespace: "agents", pod: "p", options: PodLogOptions(tailLines: 10)).isStream)
    }
}
