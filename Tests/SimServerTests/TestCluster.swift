import FlightdeckCore
import FlightdeckTestSupport
import Foundation
import KubeClient
import KubeModel
import SimCluster
import SimServer

/// The cluster a client test talks to: the simulated cluster, started for the test over
/// HTTPS — or, when `FLIGHTDECK_TEST_KUBECONFIG` names a kubeconfig, a real cluster (k3s),
/// so the same tests prove the client against both. Each test works in a namespace of its
/// own, removed at the end.
///
/// What a test may assume of that namespace is what every cluster gives: it is not empty
/// (the controller manager publishes the `kube-root-ca.crt` ConfigMap and the `default`
/// ServiceAccount into every namespace), so a test that counts objects selects its own by
/// label; and an error is asserted by its code, reason and the object or field it names,
/// never by its sentence, which changes between releases.
final class TestCluster: @unchecked Sendable {
    let directory = TemporaryDirectory("flightdeck-sim")
    let sim: SimulatedCluster?
    let connection: ClusterConnection
    let api: KubeAPI
    let namespace: String

    /// The real cluster's kubeconfig, when the tests run against one.
    static var realKubeconfig: String? {
        ProcessInfo.processInfo.environment["FLIGHTDECK_TEST_KUBECONFIG"].flatMap { $0.isEmpty ? nil : $0 }
    }

    init(bookmarkInterval: Duration = .seconds(1), historyLimit: Int = 10_000, qps: Double = 1000) async throws {
        namespace = "fd-test-" + UUID().uuidString.prefix(8).lowercased()
        let kubeconfigPath: String
        if let real = Self.realKubeconfig {
            sim = nil
            kubeconfigPath = real
        } else {
            let cluster = try await SimulatedCluster.start(.init(
                dataDirectory: URL(fileURLWithPath: directory.file("data")), bookmarkInterval: bookmarkInterval,
                namespace: "agents", historyLimit: historyLimit))
            sim = cluster
            kubeconfigPath = cluster.kubeconfigURL.path
        }
        connection = try Self.loader(home: directory.path).load(kubeconfig: kubeconfigPath, namespace: namespace)
        api = KubeAPI(connection: connection, qps: qps, burst: 1000)
        _ = try await api.create(.namespaces, ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(namespace)]])
    }

    static func loader(home: String) -> KubeconfigLoader {
        KubeconfigLoader(environment: [:], homeDirectory: home, workingDirectory: home,
            k3sConfigPath: home + "/no-k3s.yaml", serviceAccountDirectory: home + "/no-sa")
    }

    /// Removes the test's namespace and stops the sim.
    func finish() async {
        _ = try? await api.delete(.namespaces, name: namespace)
        await sim?.stop()
    }

    /// A ConfigMap named `name` with `data` (and `labels`, when given).
    func configMap(_ name: String, _ data: [String: String] = [:], labels: [String: String] = [:]) -> JSONValue {
        var dataJSON: JSONValue = .emptyObject
        for (key, value) in data.sorted(by: { $0.key < $1.key }) { dataJSON.setMember(key, .string(value)) }
        var metadata: JSONValue = ["name": .string(name), "namespace": .string(namespace)]
        if !labels.isEmpty {
            var labelsJSON: JSONValue = .emptyObject
            for (key, value) in labels.sorted(by: { $0.key < $1.key }) { labelsJSON.setMember(key, .string(value)) }
            metadata.setMember("labels", labelsJSON)
        }
        return ["apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata, "data": dataJSON]
    }
}


/// Runs `body` against a fresh `TestCluster` and always cleans up after it.
func withCluster(bookmarkInterval: Duration = .seconds(1), historyLimit: Int = 10_000,
    _ body: (TestCluster) async throws -> Void) async throws
{
    let cluster = try await TestCluster(bookmarkInterval: bookmarkInterval, historyLimit: historyLimit)
    do {
        try await body(cluster)
    } catch {
        await cluster.finish()
        throw error
    }
    await cluster.finish()
}
