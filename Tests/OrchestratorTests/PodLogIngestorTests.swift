import FlightdeckCore
import FlightdeckTestSupport
import Foundation
import HistoryStore
import KubeClient
import KubeModel
import Orchestrator
import SimCluster
import SimServer
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The pod-log ingester against a real full disk: a small tmpfs holding the history file,
/// filled up by a ballast file while an agent's log is read. Nothing may be lost: the store's
/// refusal is reported while it lasts, the follower waits (its transfer paused) rather than
/// moving on, and once space returns every line is stored, once.
@Suite(.timeLimit(.minutes(2))) struct PodLogIngestorTests {
    @Test func aFullDiskLosesNoLineAndIsReportedWhileItLasts() async throws {
        let mount: ScratchMount
        switch ScratchMount.tmpfs(kilobytes: 24 * 1024) {
        case let .failure(reason): try Test.cancel("\(reason)")
        case let .success(value): mount = value
        }
        let directory = TemporaryDirectory("flightdeck-podlog-full")
        let sim = try await SimulatedCluster.start(.init(dataDirectory: URL(fileURLWithPath: directory.file("data")),
            timing: SimTiming(scale: 0.02)))
        let loader = KubeconfigLoader(environment: [:], homeDirectory: directory.path, workingDirectory: directory.path,
            k3sConfigPath: directory.file("none"), serviceAccountDirectory: directory.file("none"))
        let api = KubeAPI(connection: try loader.load(kubeconfig: sim.kubeconfigURL.path), qps: 1000, burst: 1000)
        let namespace = "logs-full"
        let namespaceObject: JSONValue = ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(namespace)]]
        _ = try await api.create(.namespaces, namespaceObject)

        let store = try HistoryStore(path: mount.path + "/history.db")
        // All but ~300 KiB of the filesystem taken: the first batches fit, then the disk is full.
        let ballast = mount.path + "/ballast"
        try fill(ballast, leaving: 300 << 10, on: mount.path)

        let lines = 20_000
        let environment: JSONValue = [
            ["name": "JOB_ID", "value": "fulldisk"],
            ["name": "LOG_LINES", "value": .string(String(lines))],
            ["name": "LOG_LINE_BYTES", "value": "200"],
        ]
        let pod: JSONValue = [
            "apiVersion": "v1", "kind": "Pod",
            "metadata": ["name": "agent-full", "labels": [
                "app.kubernetes.io/component": "agent", "batch.kubernetes.io/job-name": "agent-full"]],
            "spec": [
                "restartPolicy": "Never",
                "containers": [[
                    "name": "agent", "image": "flightdeck/log-generator:1", "env": environment,
                ]],
            ],
        ]
        _ = try await api.create(.pods, namespace: namespace, pod)

        let failures = Mutex<[HistoryStoreError?]>([])
        let writer = HistoryWriter(store: store, limits: .init(maxRows: 500, maxDelay: 0.01))
        let ingestor = PodLogIngestor(api: api, namespace: namespace, writer: writer,
            storeFailure: { failure in failures.withLock { $0.append(failure) } })
        let task = Task { await ingestor.run() }

        // The operator is told while it lasts.
        try await eventually {
            failures.withLock { $0.contains { if case .diskFull? = $0 { true } else { false } } }
        }
        // The follower waits for the store instead of reading on: it has not read the log
        // to its end (what it read is held, bounded, until the store takes it).
        try await Task.sleep(for: .milliseconds(500))
        #expect(ingestor.linesRead < lines)

        // Space returns: everything arrives, once, and the report says the store writes again.
        try FileManager.default.removeItem(atPath: ballast)
        try await eventually { (try? store.traceCount(jobID: "fulldisk")) == Int64(lines) }
        try await eventually { failures.withLock { $0.last == .some(nil) } }

        task.cancel()
        await task.value
        // The writer remembers the failures (`closed()` throws the first); none is left.
        await #expect(throws: HistoryStoreError.self) { try await writer.closed() }
        #expect(writer.lastFailure == nil)
        #expect(try store.traceCount(jobID: "fulldisk") == Int64(lines))
        #expect(try store.integrityCheck() == ["ok"])
        await sim.stop()
    }

    /// Writes zeros to `path` until `leaving` bytes remain free on the filesystem at `mountPath`.
    private func fill(_ path: String, leaving: Int, on mountPath: String) throws {
        var info = statvfs()
        guard statvfs(mountPath, &info) == 0 else { throw SkipReason("statvfs \(mountPath) failed") }
        let free = Int(info.f_bavail) * Int(info.f_frsize)
        let size = max(0, free - leaving)
        FileManager.default.createFile(atPath: path, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        let chunk = Data(count: 1 << 20)
        var written = 0
        while written < size {
            let part = min(chunk.count, size - written)
            try handle.write(contentsOf: chunk.prefix(part))
            written += part
        }
    }

    private func eventually(_ condition: () throws -> Bool) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(60)
        while try !condition() {
            guard clock.now < deadline else {
                Issue.record("condition not met within 60 s")
                return
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}
