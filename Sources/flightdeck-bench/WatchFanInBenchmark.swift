import FlightdeckCore
import Foundation
import KubeClient
import KubeModel
import SimCluster
import Synchronization

/// Job and Pod updates from the simulated cluster's store to Flightdeck's watch consumer,
/// over HTTPS: a paced producer patches an annotation carrying a sequence number and its
/// monotonic emit time into objects round-robin; the consumer, reading `KubeAPI.watch`,
/// records receive time − emit time for each sequence number, once.
///
/// Design: one watch per resource type (the API has no watch across types). The headline
/// phase is ONE watch on pods carrying every update; the mixed phase splits the same rate
/// between a pods watch and a jobs watch on the same client (one libcurl thread), as
/// Flightdeck's informers run. The objects are inert — pods bound to a node that is not the
/// kubelet's, Jobs suspended — but the control plane and kubelet run and watch everything,
/// so the store's fan-out to them is part of the cost.
struct WatchFanInBenchmark {
    let seconds: Double
    let rate: Int
    let highRate: Int
    let objects: Int
    let directory: String

    static let annotation = "flightdeck.dev/bench-emit"

    struct Phase {
        var label: String
        var types: [ResourceType]
        var rate: Int
        /// Control plane and kubelet stopped: the store, the API server and the client only.
        var bare = false
    }

    struct Result {
        var phase: Phase
        var sent: Int
        var sendSeconds: Double
        var received: Int
        var deliverSeconds: Double
        var duplicates: Int
        var latenciesMs: [Double]
        var watchEnded: String?
        /// Mean time of one `store.patch` (admission, commit, fan-out to every watcher).
        var writeMicroseconds: Double
    }

    func run() async throws {
        let cluster = try await BenchCluster.start(in: directory + "/watch-fanin", historyLimit: 100_000,
            watchBufferSize: 1_000_000)
        do {
            try await populate(cluster)
            var results: [Result] = []
            for phase in [
                Phase(label: "pods, 1 watch", types: [.pods], rate: rate),
                Phase(label: "pods+jobs, 2 watches", types: [.pods, .jobs], rate: rate),
                Phase(label: "pods, 1 watch, no controllers", types: [.pods], rate: rate, bare: true),
                Phase(label: "pods, 1 watch, no controllers", types: [.pods], rate: highRate, bare: true),
            ] {
                if phase.bare, results.last?.phase.bare == false {
                    await cluster.sim.controlPlane.stop()
                    await cluster.sim.kubelet.stop()
                }
                let result = try await measure(phase, cluster)
                results.append(result)
                report(result)
            }
            print("")
            table(results)
        } catch {
            await cluster.stop()
            throw error
        }
        await cluster.stop()
    }

    // MARK: - Objects

    private func populate(_ cluster: BenchCluster) async throws {
        let start = now()
        for index in 0..<objects {
            _ = try cluster.store.create(Self.job(index, namespace: cluster.namespace), type: .jobs)
            _ = try cluster.store.create(Self.pod(index, namespace: cluster.namespace), type: .pods)
        }
        // Let the Job controller write the Suspended condition of every Job before measuring.
        try await Task.sleep(for: .seconds(2))
        let sample = try cluster.store.get(type: .pods, namespace: cluster.namespace, name: Self.podName(0))
        print("watch-fanin: \(objects) Jobs (suspended) and \(objects) Pods (bound elsewhere) in \(format(now() - start, 1)) s; "
            + "a pod event is \(sample.serialized.utf8.count + 30) bytes on the wire")
    }

    static func podName(_ index: Int) -> String { "agent-\(index)-x7k2p" }

    static func podSpec(_ index: Int) -> JSONValue {
        let job = "agent-\(index)"
        return [
            "restartPolicy": "Never", "serviceAccountName": "flightdeck-agent", "terminationGracePeriodSeconds": 30,
            "containers": [[
                "name": "agent", "image": "ghcr.io/acme/coding-agent:1.4.2", "imagePullPolicy": "IfNotPresent",
                "env": [
                    ["name": "JOB_ID", "value": .string(job)],
                    ["name": "WORKSPACE_PATH", "value": "/workspace"],
                    ["name": "NATS_URL", "value": "nats://nats.flightdeck.svc:4222"],
                    ["name": "MODEL", "value": "claude-sonnet"],
                    ["name": "API_KEY", "valueFrom": ["secretKeyRef": ["name": "model-api", "key": "token"]]],
                ],
                "resources": ["requests": ["cpu": "500m", "memory": "1Gi"], "limits": ["memory": "2Gi"]],
                "volumeMounts": [["name": "workspace", "mountPath": "/workspace"]],
            ]],
            "volumes": [["name": "workspace", "persistentVolumeClaim": ["claimName": .string("workspace-\(job)")]]],
        ]
    }

    static func pod(_ index: Int, namespace: String) -> JSONValue {
        var spec = podSpec(index)
        spec.setMember("nodeName", "bench-elsewhere")
        return [
            "apiVersion": "v1", "kind": "Pod",
            "metadata": [
                "name": .string(podName(index)), "namespace": .string(namespace),
                "labels": ["app.kubernetes.io/name": "flightdeck-agent", "flightdeck.dev/job": .string("agent-\(index)")],
                "annotations": ["flightdeck.dev/objective": "Fix the failing parser tests in the config loader"],
            ],
            "spec": spec,
        ]
    }

    static func job(_ index: Int, namespace: String) -> JSONValue {
        [
            "apiVersion": "batch/v1", "kind": "Job",
            "metadata": [
                "name": .string("agent-\(index)"), "namespace": .string(namespace),
                "labels": ["app.kubernetes.io/name": "flightdeck-agent"],
                "annotations": ["flightdeck.dev/objective": "Fix the failing parser tests in the config loader"],
            ],
            "spec": [
                "suspend": true, "backoffLimit": 2,
                "template": ["metadata": ["labels": ["app.kubernetes.io/name": "flightdeck-agent"]], "spec": podSpec(index)],
            ],
        ]
    }

    // MARK: - One phase

    private func measure(_ phase: Phase, _ cluster: BenchCluster) async throws -> Result {
        let total = Int(Double(phase.rate) * seconds)
        let types = phase.types
        let from = cluster.store.resourceVersion
        let sequenceBase = Self.sequenceBase.withLock { base -> Int in
            defer { base += total }
            return base
        }
        // One consumer per type; each learns how many sequence numbers are its own at the end.
        var consumers: [Task<Consumer.Outcome, Never>] = []
        var ready: [Consumer.Ready] = []
        var targets: [Consumer.Target] = []
        for type in types {
            let consumer = Consumer(api: cluster.api, type: type, namespace: cluster.namespace, from: from,
                base: sequenceBase, capacity: total / types.count + 1)
            ready.append(consumer.ready)
            targets.append(consumer.target)
            consumers.append(Task { await consumer.run() })
        }
        // Until every watch has delivered something, touch its first object now and then.
        var warmUp = 0
        while !ready.allSatisfy(\.isSet) {
            warmUp += 1
            for type in types {
                _ = try cluster.store.patch(type: type, namespace: cluster.namespace,
                    name: type == .pods ? Self.podName(0) : "agent-0",
                    patch: ["metadata": ["annotations": [Self.annotation: .string("warm-up \(warmUp)")]]])
            }
            try await Task.sleep(for: .milliseconds(20))
        }

        let producer = Producer(store: cluster.store, namespace: cluster.namespace, types: types, objects: objects,
            rate: phase.rate, total: total, seconds: seconds, base: sequenceBase)
        let sent = await producer.run()
        // Now each consumer knows how many are its own; a last touch wakes those that have them all.
        for (slot, type) in types.enumerated() {
            targets[slot].set((sent.count - slot + types.count - 1) / types.count)
            _ = try cluster.store.patch(type: type, namespace: cluster.namespace,
                name: type == .pods ? Self.podName(0) : "agent-0",
                patch: ["metadata": ["annotations": [Self.annotation: "done"]]])
        }

        // Everything sent should arrive within a moment; give it ten seconds before calling it lost.
        let running = consumers
        let deadline = Task {
            try? await Task.sleep(for: .seconds(10))
            for consumer in running { consumer.cancel() }
        }
        var outcomes: [Consumer.Outcome] = []
        for consumer in consumers { outcomes.append(await consumer.value) }
        deadline.cancel()

        var latencies: [Double] = []
        var lastReceive = sent.firstEmit
        var duplicates = 0
        var ended: String?
        for outcome in outcomes {
            latencies += outcome.latenciesMs
            lastReceive = max(lastReceive, outcome.lastReceive)
            duplicates += outcome.duplicates
            if let reason = outcome.ended { ended = (ended.map { $0 + "; " } ?? "") + reason }
        }
        latencies.sort()
        return Result(phase: phase, sent: sent.count, sendSeconds: Double(sent.lastEmit - sent.firstEmit) / 1e9,
            received: latencies.count, deliverSeconds: Double(lastReceive - sent.firstEmit) / 1e9,
            duplicates: duplicates, latenciesMs: latencies, watchEnded: ended,
            writeMicroseconds: Double(sent.writeNanoseconds) / Double(max(1, sent.count)) / 1e3)
    }

    /// Sequence numbers never repeat across phases, so a late event of one phase cannot count in the next.
    private static let sequenceBase = Mutex(0)

    private func report(_ result: Result) {
        let lost = result.sent - result.received
        let offered = Double(result.sent) / max(result.sendSeconds, 1e-9)
        let delivered = Double(result.received) / max(result.deliverSeconds, 1e-9)
        var line = "watch-fanin [\(result.phase.label), asked \(grouped(Double(result.phase.rate)))/s]: "
            + "offered \(grouped(offered))/s, delivered \(grouped(delivered))/s, "
            + "latency p50 \(format(percentile(result.latenciesMs, 0.5), 2)) ms, "
            + "p99 \(format(percentile(result.latenciesMs, 0.99), 2)) ms, max \(format(result.latenciesMs.last ?? 0, 2)) ms, "
            + "lost \(lost), repeated \(result.duplicates), store.patch \(format(result.writeMicroseconds)) µs each, "
            + "peak RSS \(format(peakMemoryMB())) MB"
        if let ended = result.watchEnded { line += " (watch ended early: \(ended))" }
        print(line)
    }

    private func table(_ results: [Result]) {
        print("| phase | asked/s | offered/s | delivered/s | p50 ms | p99 ms | max ms | lost | store.patch µs |")
        print("|---|---|---|---|---|---|---|---|---|")
        for result in results {
            let offered = Double(result.sent) / max(result.sendSeconds, 1e-9)
            let delivered = Double(result.received) / max(result.deliverSeconds, 1e-9)
            print("| \(result.phase.label) | \(grouped(Double(result.phase.rate))) | \(grouped(offered)) | "
                + "\(grouped(delivered)) | \(format(percentile(result.latenciesMs, 0.5), 2)) | "
                + "\(format(percentile(result.latenciesMs, 0.99), 2)) | \(format(result.latenciesMs.last ?? 0, 2)) | "
                + "\(result.sent - result.received) | \(format(result.writeMicroseconds)) |")
        }
        print("peak RSS \(format(peakMemoryMB())) MB (sim and client in one process)")
    }
}

extension WatchFanInBenchmark {
    /// The paced writer: a thread of its own that wakes every ~0.2 ms and writes the updates
    /// due by then, so the offered load is a steady rate rather than a burst.
    struct Producer {
        let store: APIStore
        let namespace: String
        let types: [ResourceType]
        let objects: Int
        let rate: Int
        let total: Int
        /// Writes stop after this long even when they fell behind the rate.
        let seconds: Double
        let base: Int

        struct Sent: Sendable {
            var count = 0
            var firstEmit: Int64 = 0
            var lastEmit: Int64 = 0
            /// Time inside `store.patch`, summed.
            var writeNanoseconds: Int64 = 0
        }

        func run() async -> Sent {
            await withCheckedContinuation { (continuation: CheckedContinuation<Sent, Never>) in
                let thread = Thread { continuation.resume(returning: produce()) }
                thread.name = "bench.producer"
                thread.start()
            }
        }

        private func produce() -> Sent {
            var sent = Sent()
            let start = nowNanoseconds()
            sent.firstEmit = start
            let names = (0..<objects).map { WatchFanInBenchmark.podName($0) }
            let jobNames = (0..<objects).map { "agent-\($0)" }
            let stop = start + Int64(seconds * 1e9)
            while sent.count < total, nowNanoseconds() < stop {
                let due = min(total, Int(Double(nowNanoseconds() - start) * Double(rate) / 1e9) + 1)
                while sent.count < due {
                    let sequence = sent.count
                    let type = types[sequence % types.count]
                    let object = (sequence / types.count) % objects
                    let emit = nowNanoseconds()
                    let patch: JSONValue = ["metadata": ["annotations": [
                        WatchFanInBenchmark.annotation: .string("\(base + sequence) \(emit)"),
                    ]]]
                    do {
                        _ = try store.patch(type: type, namespace: namespace,
                            name: type == .pods ? names[object] : jobNames[object], patch: patch)
                    } catch {
                        FileHandle.standardError.write(Data("watch-fanin: patch failed: \(error)\n".utf8))
                    }
                    sent.writeNanoseconds += nowNanoseconds() - emit
                    sent.lastEmit = emit
                    sent.count += 1
                }
                if sent.count < total, nowNanoseconds() < stop { usleep(200) }
            }
            return sent
        }
    }

    /// Reads one watch until it has seen each of its sequence numbers (or is cancelled),
    /// keeping the first receipt of each.
    struct Consumer {
        let api: KubeAPI
        let type: ResourceType
        let namespace: String
        let from: String
        let base: Int
        let capacity: Int
        let ready = Ready()
        let target = Target()

        /// How many sequence numbers are this watch's, once the producer has finished.
        final class Target: Sendable {
            private let value = Atomic<Int>(.max)
            var count: Int { value.load(ordering: .acquiring) }
            func set(_ count: Int) { value.store(count, ordering: .releasing) }
        }

        /// Set at the first event (the watch is established).
        final class Ready: Sendable {
            private let value = Atomic<Bool>(false)
            var isSet: Bool { value.load(ordering: .acquiring) }
            func set() { value.store(true, ordering: .releasing) }
        }

        struct Outcome: Sendable {
            var latenciesMs: [Double] = []
            var lastReceive: Int64 = 0
            var duplicates = 0
            var ended: String?
        }

        func run() async -> Outcome {
            var outcome = Outcome()
            outcome.latenciesMs.reserveCapacity(capacity)
            var seen = Set<Int>(minimumCapacity: capacity)
            let options = ListOptions(resourceVersion: from, allowWatchBookmarks: true)
            do {
                for try await event in api.watch(type, namespace: namespace, options: options) {
                    let received = nowNanoseconds()
                    ready.set()
                    if event.type == .error {
                        outcome.ended = "ERROR event: \(event.object.serialized)"
                        break
                    }
                    if seen.count >= target.count { break }
                    guard let stamp = event.object[path: ["metadata", "annotations", WatchFanInBenchmark.annotation]]?
                        .stringValue, let space = stamp.firstIndex(of: " "),
                        let sequence = Int(stamp[..<space]), let emit = Int64(stamp[stamp.index(after: space)...]),
                        sequence >= base
                    else { continue }
                    guard seen.insert(sequence).inserted else {
                        outcome.duplicates += 1
                        continue
                    }
                    outcome.latenciesMs.append(Double(received - emit) / 1e6)
                    outcome.lastReceive = received
                    if seen.count >= target.count { break }
                }
                if seen.count < target.count, !Task.isCancelled, outcome.ended == nil {
                    outcome.ended = "\(type.plural) watch closed by the server after \(seen.count) of \(target.count)"
                }
            } catch {
                outcome.ended = "\(type.plural) watch failed: \(error)"
            }
            return outcome
        }
    }
}
