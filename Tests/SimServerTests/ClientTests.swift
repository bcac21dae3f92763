import FlightdeckCore
import FlightdeckTestSupport
import Foundation
import KubeClient
import KubeModel
import SimServer
import Testing

/// `KubeAPI` against a live API server over HTTPS with a client certificate: the simulated
/// cluster by default, a real k3s when `FLIGHTDECK_TEST_KUBECONFIG` is set.
@Suite(.timeLimit(.minutes(2))) struct ClientTests {
    @Test func versionAndDiscovery() async throws {
        try await withCluster { cluster in
            let version = try await cluster.api.version()
            #expect(version["gitVersion"]?.stringValue?.hasPrefix("v1.") == true)
            let groups = try await cluster.api.json(APIRequest(method: "GET", path: "/apis"))
            let names = (groups["groups"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
            #expect(names.contains("batch"))
            #expect(names.contains("rbac.authorization.k8s.io"))
        }
    }

    @Test func createGetPatchDeleteRoundTrip() async throws {
        try await withCluster { cluster in
            let ns = cluster.namespace
            let created = try await cluster.api.create(.configMaps, namespace: ns, cluster.configMap("settings", ["mode": "a"]))
            #expect(created[path: ["metadata", "uid"]]?.stringValue?.isEmpty == false)

            let merged = try await cluster.api.patch(.configMaps, namespace: ns, name: "settings", ["data": ["extra": "b"]])
            #expect(merged[path: ["data", "mode"]]?.stringValue == "a")
            #expect(merged[path: ["data", "extra"]]?.stringValue == "b")

            let strategic = try await cluster.api.patch(.configMaps, namespace: ns, name: "settings",
                ["metadata": ["labels": ["tier": "x"]]], kind: .strategicMerge)
            #expect(strategic[path: ["metadata", "labels", "tier"]]?.stringValue == "x")

            let fetched = try await cluster.api.get(ConfigMap.self, namespace: ns, name: "settings")
            #expect(fetched.metadata.labels["tier"] == "x")

            try await cluster.api.delete(.configMaps, namespace: ns, name: "settings",
                options: DeleteOptions(propagationPolicy: .background))
            await #expect(throws: APIError.self) {
                _ = try await cluster.api.get(.configMaps, namespace: ns, name: "settings")
            }
        }
    }

    @Test func dryRunStoresNothing() async throws {
        try await withCluster { cluster in
            let answer = try await cluster.api.create(.configMaps, namespace: cluster.namespace,
                cluster.configMap("dry"), dryRun: true)
            #expect(answer[path: ["metadata", "name"]]?.stringValue == "dry")
            let list = try await cluster.api.list(.configMaps, namespace: cluster.namespace)
            #expect((list["items"]?.arrayValue ?? []).contains { $0[path: ["metadata", "name"]]?.stringValue == "dry" } == false)

            // A dry-run PATCH answers with the object as it would be stored, and stores nothing.
            let real = try await cluster.api.create(.configMaps, namespace: cluster.namespace,
                cluster.configMap("real", ["mode": "fast"]))
            let version = real[path: ["metadata", "resourceVersion"]]?.stringValue
            let merged = try await cluster.api.patch(.configMaps, namespace: cluster.namespace, name: "real",
                ["data": ["mode": "careful"]], dryRun: true)
            #expect(merged[path: ["data", "mode"]]?.stringValue == "careful")
            #expect(merged[path: ["metadata", "resourceVersion"]]?.stringValue == version, "nothing was written")
            let replaced = try await cluster.api.patch(.configMaps, namespace: cluster.namespace, name: "real",
                JSONPatch([.add("/data/extra", "1")]), dryRun: true)
            #expect(replaced[path: ["data", "extra"]]?.stringValue == "1")
            let stored = try await cluster.api.get(.configMaps, namespace: cluster.namespace, name: "real")
            #expect(stored[path: ["data"]] == ["mode": "fast"])
            #expect(stored[path: ["metadata", "resourceVersion"]]?.stringValue == version)
        }
    }

    @Test func listPagesAreConsistent() async throws {
        try await withCluster { cluster in
            for index in 0..<23 {
                _ = try await cluster.api.create(.configMaps, namespace: cluster.namespace, cluster.configMap("page-\(index)"))
            }
            let first = try await cluster.api.list(.configMaps, namespace: cluster.namespace, options: ListOptions(limit: 10))
            #expect(first["items"]?.arrayValue?.count == 10)
            #expect(first[path: ["metadata", "continue"]]?.stringValue?.isEmpty == false)
            let all = try await cluster.api.listAll(.configMaps, namespace: cluster.namespace, pageSize: 7)
            let names = Set(all.items.compactMap { $0[path: ["metadata", "name"]]?.stringValue })
            #expect(names.isSuperset(of: (0..<23).map { "page-\($0)" }))
            #expect(UInt64(all.resourceVersion) != nil)
        }
    }

    /// An error is known by its code, its reason and the object its details name; the
    /// sentence is the server's (the sim's own sentences are pinned in SimClusterTests).
    @Test func errorsNameTheirObject() async throws {
        try await withCluster { cluster in
            let ns = cluster.namespace
            do {
                _ = try await cluster.api.get(.jobs, namespace: ns, name: "missing")
                Issue.record("expected NotFound")
            } catch let error as APIError {
                #expect(error.code == 404)
                #expect(error.reason == "NotFound")
                #expect(error.status.details?.name == "missing")
                #expect(error.status.details?.group == "batch")
                #expect(error.status.details?.kind == "jobs")
                #expect(error.description.contains("\"missing\""))
            }
            _ = try await cluster.api.create(.configMaps, namespace: ns, cluster.configMap("twice"))
            do {
                _ = try await cluster.api.create(.configMaps, namespace: ns, cluster.configMap("twice"))
                Issue.record("expected AlreadyExists")
            } catch let error as APIError {
                #expect(error.code == 409)
                #expect(error.reason == "AlreadyExists")
                #expect(error.status.details?.name == "twice")
                #expect(error.status.details?.kind == "configmaps")
            }
            do {
                _ = try await cluster.api.create(.configMaps, namespace: "no-such-namespace-\(ns)", cluster.configMap("x"))
                Issue.record("expected NotFound for the namespace")
            } catch let error as APIError {
                #expect(error.code == 404 || error.code == 400)
            }
        }
    }

    /// What the controller manager gives every namespace, the test's new one included: the
    /// `default` ServiceAccount, and the `kube-root-ca.crt` ConfigMap with the cluster's CA
    /// bundle and its description; deleted, both come back, and changed data is put back.
    @Test func aNewNamespaceGetsTheControllerManagersObjects() async throws {
        try await withCluster { cluster in
            let ns = cluster.namespace
            let published = try await eventuallyGet(cluster.api, .configMaps, ns, "kube-root-ca.crt")
            let bundle = try #require(published[path: ["data", "ca.crt"]]?.stringValue)
            #expect(bundle.contains("-----BEGIN CERTIFICATE-----"))
            #expect(published["data"]?.members?.count == 1, "ca.crt is the only key")
            #expect(published[path: ["metadata", "annotations", "kubernetes.io/description"]]?.stringValue?.isEmpty == false)
            if let sim = cluster.sim {
                // The sim's CA is the one its kubeconfig trusts.
                #expect(bundle == sim.authority.certificatePEM)
            }
            let account = try await eventuallyGet(cluster.api, .serviceAccounts, ns, "default")
            // So has every namespace the cluster starts with.
            for system in ["default", "kube-system", "kube-public", "kube-node-lease"] {
                _ = try await eventuallyGet(cluster.api, .configMaps, system, "kube-root-ca.crt")
                _ = try await eventuallyGet(cluster.api, .serviceAccounts, system, "default")
            }

            try await cluster.api.delete(.configMaps, namespace: ns, name: "kube-root-ca.crt")
            try await cluster.api.delete(.serviceAccounts, namespace: ns, name: "default")
            let republished = try await eventuallyGet(cluster.api, .configMaps, ns, "kube-root-ca.crt") {
                $0[path: ["metadata", "uid"]] != published[path: ["metadata", "uid"]]
            }
            #expect(republished[path: ["data", "ca.crt"]]?.stringValue == bundle)
            _ = try await eventuallyGet(cluster.api, .serviceAccounts, ns, "default") {
                $0[path: ["metadata", "uid"]] != account[path: ["metadata", "uid"]]
            }

            // Changed data is put back.
            _ = try await cluster.api.patch(.configMaps, namespace: ns, name: "kube-root-ca.crt",
                ["data": ["ca.crt": "tampered", "extra": "x"]])
            let restored = try await eventuallyGet(cluster.api, .configMaps, ns, "kube-root-ca.crt") {
                $0[path: ["data", "ca.crt"]]?.stringValue == bundle
            }
            #expect(restored[path: ["data", "extra"]] == nil)
        }
    }

    /// The object once it exists and `accept` holds for it (each suite's time limit is the
    /// hang guard).
    private func eventuallyGet(_ api: KubeAPI, _ type: ResourceType, _ namespace: String, _ name: String,
        where accept: (JSONValue) -> Bool = { _ in true }) async throws -> JSONValue
    {
        while true {
            if let object = try? await api.get(type, namespace: namespace, name: name), accept(object) { return object }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    @Test func anUnreachableServerIsOneSentence() async throws {
        let directory = TemporaryDirectory()
        // A port nothing listens on: bind one, note it, close it.
        let port = try NATSServerProcess.freePort()
        let config = """
            apiVersion: v1
            kind: Config
            clusters: [{name: c, cluster: {server: "https://127.0.0.1:\(port)", insecure-skip-tls-verify: true}}]
            users: [{name: u, user: {token: abc}}]
            contexts: [{name: ctx, context: {cluster: c, user: u}}]
            current-context: ctx
            """
        try config.write(toFile: directory.file("config"), atomically: true, encoding: .utf8)
        let connection = try TestCluster.loader(home: directory.path).load(kubeconfig: directory.file("config"))
        let api = KubeAPI(connection: connection)
        do {
            _ = try await api.version()
            Issue.record("expected a connection failure")
        } catch let error as ClusterUnreachable {
            let text = error.description
            #expect(text.hasPrefix("cannot reach the cluster at https://127.0.0.1:\(port)"))
            #expect(text.contains("context ctx"))
            #expect(!text.contains("\n"))
        }
    }
}
