import AgentManifests
import FlightdeckApp
import FlightdeckCore
import FlightdeckTestSupport
import Foundation
import HTTPServing
import HistoryStore
import KubeClient
import Orchestrator
import Testing

/// `flightdeck serve --allow-actions`: the cockpit's cancel, steer and retry over HTTP against
/// the simulated cluster, each refused with its reason where RBAC (or a missing NATS) does
/// not allow it, as the cockpit refuses them.
@Suite(.timeLimit(.minutes(3))) struct ServeActionsTests {
    static let curl = ProductProcess(executable: URL(fileURLWithPath: "/usr/bin/curl"))

    func post(_ url: String, _ body: String = "") async throws -> (status: Int, body: [String: Any]) {
        let result = try await Self.curl.run(["-sS", "--max-time", "30", "-w", "\n%{http_code}", "-X", "POST",
            "-H", "Content-Type: application/json", "--data-binary", body, url])
        let text = result.stdout
        let split = text.lastIndex(of: "\n") ?? text.endIndex
        let status = split < text.endIndex ? Int(text[text.index(after: split)...]) ?? 0 : 0
        let object = (try? JSONSerialization.jsonObject(with: Data(text[..<split].utf8))) as? [String: Any] ?? [:]
        return (status, object)
    }

    func serve(_ fixture: SimulatedClusterFixture, api: KubeAPI) async throws -> HTTPServer {
        let settings = ClusterSettings(namespace: fixture.namespace)
        let capabilities = await Capabilities.probe(api: api, namespace: fixture.namespace, readOnly: false,
            hasCommandChannel: false)
        let actions = ServeActions(actions: JobActions(api: api, namespace: fixture.namespace, context: "sim"),
            capabilities: capabilities, settings: settings, queues: QueueConfiguration(), store: fixture.store)
        let feed = try await fixture.store.reading { LiveFeed(store: $0) }
        let served = ServeAPI(store: fixture.store, feed: feed, options: ServeAPI.Options(actions: actions))
        return try await HTTPServer.start(configuration: HTTPServer.Configuration()) { await served.handle($0) }
    }

    @Test func actionsAreServedAsFarAsRBACAllows() async throws {
        let fixture = try await SimulatedClusterFixture("flightdeck-serve-actions")
        let task = JobActionsTests.task("5a5a5a5a-1234-4123-8123-123456789abc")
        try await JobActionsTests.submit(task, fixture)
        let name = TaskManifests.jobName(task)

        // A viewer may read Jobs, not delete them: cancel and retry are refused with why.
        _ = try await fixture.api.create(.roles, namespace: fixture.namespace, [
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": ["name": "viewer"],
            "rules": [["apiGroups": ["batch"], "resources": ["jobs"], "verbs": ["get", "list", "watch"]]],
        ])
        _ = try await fixture.api.create(.roleBindings, namespace: fixture.namespace, [
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": ["name": "viewer"],
            "roleRef": ["apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "viewer"],
            "subjects": [["kind": "User", "name": "viewer", "apiGroup": "rbac.authorization.k8s.io"]],
        ])
        let path = fixture.directory.file("viewer.yaml")
        try fixture.sim.writeKubeconfig(user: "viewer", to: URL(fileURLWithPath: path))
        let viewer = KubeAPI(connection: try SimulatedClusterFixture.loader(home: fixture.directory.path).load(kubeconfig: path))
        let viewerServer = try await serve(fixture, api: viewer)
        let refused = try await post(viewerServer.url + "/api/jobs/\(name)/cancel")
        #expect(refused.status == 403)
        #expect(refused.body["error"] as? String == "cancel is unavailable: not allowed to delete jobs.batch in agents")
        let noRetry = try await post(viewerServer.url + "/api/jobs/\(name)/retry")
        #expect(noRetry.status == 403, "\(noRetry.body)")
        await viewerServer.shutdown()

        let server = try await serve(fixture, api: fixture.api)
        let base = server.url + "/api/jobs/"
        // Steering needs NATS, which this server has not.
        let steer = try await post(base + name + "/steer", #"{"command":"pause"}"#)
        #expect(steer.status == 403)
        #expect(steer.body["error"] as? String == "steer is unavailable: no command channel (NATS is not configured)")
        // Bodies that are not understood are 400, naming what.
        #expect(try await post(base + name + "/cancel", "[1]").status == 400)
        let grace = try await post(base + name + "/cancel", #"{"grace":-1}"#)
        #expect(grace.status == 400 && grace.body["error"] as? String == "grace: expected whole seconds from 0 to 3600")
        #expect(try await post(base + "agent-nope/cancel").status == 404)
        let get = try await Self.curl.run(["-sS", "-o", "/dev/null", "-w", "%{http_code}", base + name + "/cancel"])
        #expect(get.stdout == "405")

        let cancelled = try await post(base + name + "/cancel", #"{"grace":0}"#)
        #expect(cancelled.status == 200, "\(cancelled.body)")
        #expect(cancelled.body["message"] as? String == "job.batch/\(name) cancelled")
        let again = try await post(base + name + "/cancel", #"{"grace":0}"#)
        #expect(again.status == 409 && again.body["error"] as? String == "jobs.batch \"\(name)\" not found")

        let retried = try await post(base + name + "/retry")
        #expect(retried.status == 200, "\(retried.body)")
        #expect((retried.body["message"] as? String)?.hasSuffix("started: a retry of \(name), restoring from job \(TaskManifests.jobID(task))") == true)

        let document = try await Self.curl.run(["-sS", server.url + "/api/openapi.json"])
        let paths = ((try? JSONSerialization.jsonObject(with: Data(document.stdout.utf8))) as? [String: Any])?["paths"] as? [String: Any]
        #expect(paths?["/api/jobs/{job}/cancel"] != nil && paths?["/api/jobs/{job}/steer"] != nil
            && paths?["/api/jobs/{job}/retry"] != nil)
        await server.shutdown()
        await fixture.stop()
    }
}
