import FlightdeckCore
import FlightdeckTestSupport
import Foundation
import KubeClient
import KubeModel
import SimCluster
import SimServer
import Synchronization
import Testing

/// Watches over the wire: the `Informer` ends with the cluster's state whatever happened
/// to its connections — a restart of the API server, a 410 after compaction, a connection
/// that froze without closing.
///
/// Every informer here selects the test's own ConfigMaps by label, as the product's do: a
/// namespace also holds what the controller manager publishes (`kube-root-ca.crt`).
@Suite(.timeLimit(.minutes(2))) struct InformerTests {
    /// The label on every ConfigMap a test makes, and the selector its informer uses.
    static let labels = ["flightdeck.test/informer": "cache"]
    static let selector = "flightdeck.test/informer=cache"

    /// A consumer's cache built only from the informer's deltas.
    final class Cache: Sendable {
        let names = Mutex<Set<String>>([])
        let syncs = Mutex(0)
        let states = Mutex<[Informer.ConnectionState]>([])

        func consume(_ informer: Informer) -> Task<Void, Never> {
            let stream = informer.events()
            return Task {
                for await event in stream {
                    switch event {
                    case .delta(.added(let object)), .delta(.modified(let object)):
                        names.withLock { _ = $0.insert(Self.name(object)) }
                    case .delta(.deleted(let object)):
                        names.withLock { _ = $0.remove(Self.name(object)) }
                    case .synced: syncs.withLock { $0 += 1 }
                    case .connection(let state): states.withLock { $0.append(state) }
                    }
                }
            }
        }

        static func name(_ object: JSONValue) -> String { object[path: ["metadata", "name"]]?.stringValue ?? "" }
        var current: Set<String> { names.withLock { $0 } }
    }

    func serverNames(_ api: KubeAPI, _ namespace: String) async throws -> Set<String> {
        Set(try await api.listAll(.configMaps, namespace: namespace, options: ListOptions(labelSelector: Self.selector))
            .items.map(Cache.name))
    }

    /// A labelled ConfigMap for the sim-only tests, which write to the sim's `agents` namespace.
    func configMap(_ name: String) -> JSONValue {
        ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": .string(name), "labels": ["flightdeck.test/informer": "cache"]]]
    }

    @Test func followsLiveChanges() async throws {
        try await withCluster { cluster in
            let cache = Cache()
            let informer = Informer(api: cluster.api, type: .configMaps, namespace: cluster.namespace,
                labelSelector: Self.selector)
            let task = cache.consume(informer)
            defer { task.cancel() }
            _ = try await cluster.api.create(.configMaps, namespace: cluster.namespace,
                cluster.configMap("a", labels: Self.labels))
            _ = try await cluster.api.create(.configMaps, namespace: cluster.namespace,
                cluster.configMap("b", labels: Self.labels))
            // Not selected: never in the cache.
            _ = try await cluster.api.create(.configMaps, namespace: cluster.namespace, cluster.configMap("other"))
            try await cluster.api.delete(.configMaps, namespace: cluster.namespace, name: "a")
            try await eventually { cache.current == ["b"] }
            #expect(cache.syncs.withLock { $0 } == 1)
        }
    }

    /// The API server goes away (every watch drops), changes happen meanwhile, it comes
    /// back on the same port with the same storage: the informer resumes from its
    /// resourceVersion and sees the deletion it missed.
    ///
    /// Sim-only: it stops and restarts the simulated API server and writes to its store.
    @Test func resumesAcrossAnAPIServerRestart() async throws {
        let directory = TemporaryDirectory("flightdeck-restart")
        let options = SimulatedCluster.Options(dataDirectory: URL(fileURLWithPath: directory.file("data")),
            bookmarkInterval: .milliseconds(200))
        let sim = try await SimulatedCluster.start(options)
        let connection = try TestCluster.loader(home: directory.path).load(kubeconfig: sim.kubeconfigURL.path)
        let api = KubeAPI(connection: connection, qps: 1000, burst: 1000)
        for name in ["keep", "drop"] {
            _ = try await api.create(.configMaps, namespace: "agents", configMap(name))
        }
        let cache = Cache()
        let informer = Informer(api: api, type: .configMaps, namespace: "agents", labelSelector: Self.selector,
            backoff: Backoff(initial: 0.05, maximum: 0.2), silenceTimeout: 5)
        let task = cache.consume(informer)
        defer { task.cancel() }
        try await eventually { cache.current == ["keep", "drop"] }

        await sim.stop()
        _ = try sim.store.delete(type: .configMaps, namespace: "agents", name: "drop")
        _ = try sim.store.create(configMap("new"), type: .configMaps, namespace: "agents")
        let again = try await SimulatedCluster.start(options, store: sim.store)
        #expect(again.server.port == sim.server.port)
        try await eventually { cache.current == ["keep", "new"] }
        // Resumed by watching from its version: one list only.
        #expect(cache.syncs.withLock { $0 } == 1)
        #expect(cache.states.withLock { $0 }.contains { if case .retrying = $0 { true } else { false } })
        await again.stop()
    }

    /// History compacted past the informer's version while it was away: the resumed watch
    /// gets 410 Gone, the informer relists, and deletions it missed are still delivered.
    ///
    /// Sim-only: it stops the simulated API server and compacts its store.
    @Test func relistsAfter410AndDeliversMissedDeletions() async throws {
        let directory = TemporaryDirectory("flightdeck-410")
        let options = SimulatedCluster.Options(dataDirectory: URL(fileURLWithPath: directory.file("data")),
            bookmarkInterval: .milliseconds(200))
        let sim = try await SimulatedCluster.start(options)
        let api = KubeAPI(connection: try TestCluster.loader(home: directory.path).load(kubeconfig: sim.kubeconfigURL.path),
            qps: 1000, burst: 1000)
        for index in 0..<5 {
            _ = try await api.create(.configMaps, namespace: "agents", configMap("cm-\(index)"))
        }
        let cache = Cache()
        let task = cache.consume(Informer(api: api, type: .configMaps, namespace: "agents", labelSelector: Self.selector,
            backoff: Backoff(initial: 0.05, maximum: 0.2), silenceTimeout: 5))
        defer { task.cancel() }
        try await eventually { cache.current.count == 5 }

        await sim.stop()
        for index in 0..<3 { _ = try sim.store.delete(type: .configMaps, namespace: "agents", name: "cm-\(index)") }
        sim.store.compact()
        let again = try await SimulatedCluster.start(options, store: sim.store)
        try await eventually { cache.current == ["cm-3", "cm-4"] }
        #expect(cache.syncs.withLock { $0 } == 2)
        #expect(try await serverNames(api, "agents") == cache.current)
        await again.stop()
    }

    /// A connection that stays open but delivers nothing (a dead NAT entry, a stuck
    /// proxy) is noticed by its silence — the sim sends bookmarks, so silence means a
    /// dead stream — and replaced; changes made meanwhile arrive through the new one.
    @Test func replacesAFrozenConnection() async throws {
        try await withCluster(bookmarkInterval: .milliseconds(200)) { cluster in
            let proxy = try FreezingProxy(target: cluster.connection.port)
            defer { proxy.stop() }
            var connection = cluster.connection
            connection.server = URL(string: "https://127.0.0.1:\(proxy.port)")!
            let api = KubeAPI(connection: connection, qps: 1000, burst: 1000)
            let cache = Cache()
            let task = cache.consume(Informer(api: api, type: .configMaps, namespace: cluster.namespace,
                labelSelector: Self.selector, backoff: Backoff(initial: 0.05, maximum: 0.2), silenceTimeout: 1))
            defer { task.cancel() }
            _ = try await cluster.api.create(.configMaps, namespace: cluster.namespace,
                cluster.configMap("before", labels: Self.labels))
            try await eventually { cache.current == ["before"] }

            try await proxy.freeze()
            _ = try await cluster.api.create(.configMaps, namespace: cluster.namespace,
                cluster.configMap("during", labels: Self.labels))
            try await eventually { cache.current == ["before", "during"] }
            #expect(try proxy.connectionCount() >= 2)
        }
    }
}
