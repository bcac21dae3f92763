import FlightdeckCore
import Foundation
import KubeModel
import SimCluster

/// Draining a 1M-line container log with `follow=true`, from the start until the stream
/// ends: the real `kubectl logs -f` against Flightdeck's client, side by side in one run.
///
/// The simulated cluster runs in this process; each drain is a child process whose stdout
/// goes through a pipe to `wc -l` (the same for every client, and the line count that checks
/// nothing was lost or added). Timed from spawn to exit, so both pay their process start,
/// kubeconfig load and TLS handshake. The log is written by the `log-generator` container
/// (`SyntheticLogLines`) before the drains start; separately, one drain per client starts
/// while its container is still writing.
struct LogDrainBenchmark {
    let lines: Int
    let lineBytes: Int
    let rounds: Int
    let directory: String
    let kubectl = "/usr/bin/kubectl"

    enum Client: String, CaseIterable {
        case kubectl = "kubectl logs -f"
        case flightdeck = "flightdeck KubeAPI.logs"
        case follower = "flightdeck LogFollower"
    }

    struct Drain {
        var client: Client
        var seconds: Double
        var lines: Int
        var clientCPU: Double
        var serverCPU: Double
        var note: String

        var rate: Double { Double(lines) / seconds }
    }

    func run() async throws {
        let cluster = try await BenchCluster.start(in: directory + "/log-drain")
        do {
            try await measure(cluster)
        } catch {
            await cluster.stop()
            throw error
        }
        await cluster.stop()
    }

    private func measure(_ cluster: BenchCluster) async throws {
        let written = try await generate(cluster, pod: "gen-drained")
        print("log-drain: the log-generator container wrote \(grouped(Double(lines))) lines of \(lineBytes) bytes "
            + "(\(format(Double(written.bytes) / 1e6, 1)) MB as a CRI log file) in \(format(written.seconds, 2)) s: "
            + "\(grouped(Double(lines) / written.seconds)) lines/s")

        var drains: [Client: [Drain]] = [:]
        for round in 1...rounds {
            for client in Client.allCases {
                let drain = try await self.drain(client, cluster: cluster, pod: "gen-drained")
                drains[client, default: []].append(drain)
                report(drain, label: "round \(round)")
            }
        }

        // Draining while the container writes: a fresh pod per client, the drain started as
        // soon as the container's log exists.
        var live: [(Drain, Double)] = []
        for (index, client) in Client.allCases.enumerated() {
            let pod = "gen-live-\(index)"
            let generation = Task { try await generate(cluster, pod: pod) }
            try await waitForLog(cluster, pod: pod)
            let drain = try await self.drain(client, cluster: cluster, pod: pod)
            let wrote = try await generation.value
            live.append((drain, wrote.seconds))
            report(drain, label: "while writing (the container took \(format(wrote.seconds, 2)) s)")
        }

        print("")
        print("| client | lines/s (median of \(rounds)) | runs | client CPU s | sim CPU s | vs kubectl |")
        print("|---|---|---|---|---|---|")
        let kubectlMedian = median(drains[.kubectl, default: []].map(\.rate))
        for client in Client.allCases {
            let runs = drains[client, default: []]
            let rate = median(runs.map(\.rate))
            print("| \(client.rawValue) | **\(grouped(rate))** | \(runs.map { grouped($0.rate) }.joined(separator: ", ")) | "
                + "\(format(median(runs.map(\.clientCPU)), 2)) | \(format(median(runs.map(\.serverCPU)), 2)) | "
                + "\(format(rate / kubectlMedian, 2)) |")
        }
        for (drain, writing) in live {
            print("| \(drain.client.rawValue), started while the container writes (it took \(format(writing, 2)) s) | "
                + "\(grouped(drain.rate)) | 1 | \(format(drain.clientCPU, 2)) | \(format(drain.serverCPU, 2)) | — |")
        }
        print("peak RSS of the benchmark process (the sim) \(format(peakMemoryMB())) MB")
    }

    private func median(_ values: [Double]) -> Double { percentile(values.sorted(), 0.5) }

    private func report(_ drain: Drain, label: String) {
        print("log-drain \(label): \(drain.client.rawValue): \(grouped(Double(drain.lines))) lines in "
            + "\(format(drain.seconds, 3)) s = \(grouped(drain.rate)) lines/s (client CPU \(format(drain.clientCPU, 2)) s, "
            + "sim CPU \(format(drain.serverCPU, 2)) s)\(drain.note.isEmpty ? "" : "  [\(drain.note)]")")
    }

    // MARK: - The container

    private func generatorPod(_ name: String, cluster: BenchCluster) -> JSONValue {
        [
            "apiVersion": "v1", "kind": "Pod",
            "metadata": ["name": .string(name), "namespace": .string(cluster.namespace)],
            "spec": [
                "nodeName": .string(cluster.sim.options.nodeName), "restartPolicy": "Never",
                "containers": [[
                    "name": "gen", "image": "flightdeck/log-generator:1",
                    "env": [
                        ["name": "LOG_LINES", "value": .string(String(lines))],
                        ["name": "LOG_LINE_BYTES", "value": .string(String(lineBytes))],
                    ],
                ]],
            ],
        ]
    }

    /// Creates a generator pod and waits for its container to finish writing: the time from
    /// its log file's creation to its close (polled every millisecond), and the file's size.
    private func generate(_ cluster: BenchCluster, pod: String) async throws -> (seconds: Double, bytes: Int64) {
        let created = try cluster.store.create(generatorPod(pod, cluster: cluster), type: .pods)
        let uid = created[path: ["metadata", "uid"]]?.stringValue ?? ""
        let logs = cluster.sim.kubelet.logs
        var file: ContainerLogFile?
        while file == nil {
            file = logs.file(namespace: cluster.namespace, pod: pod, uid: uid, container: "gen", attempt: 0)
            if file == nil { try await Task.sleep(for: .milliseconds(1)) }
        }
        let start = now()
        while !file!.isTerminated { try await Task.sleep(for: .milliseconds(1)) }
        return (now() - start, file!.size)
    }

    private func waitForLog(_ cluster: BenchCluster, pod: String) async throws {
        while true {
            if let object = try? cluster.store.get(type: .pods, namespace: cluster.namespace, name: pod),
                let uid = object[path: ["metadata", "uid"]]?.stringValue,
                cluster.sim.kubelet.logs.file(namespace: cluster.namespace, pod: pod, uid: uid, container: "gen",
                    attempt: 0) != nil
            {
                return
            }
            try await Task.sleep(for: .milliseconds(1))
        }
    }

    // MARK: - Drains

    private func drain(_ client: Client, cluster: BenchCluster, pod: String) async throws -> Drain {
        let home = directory + "/log-drain/home-\(client == .kubectl ? "kubectl" : "flightdeck")"
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        let command: String
        switch client {
        case .kubectl:
            command = "\(kubectl) logs -f \(pod) -n \(cluster.namespace)"
        case .flightdeck, .follower:
            let me = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
            command = "\(me) drain-client --kubeconfig \(cluster.kubeconfigPath) --namespace \(cluster.namespace) "
                + "--pod \(pod) --mode \(client == .flightdeck ? "logs" : "follower")"
        }
        let environment = ["KUBECONFIG": cluster.kubeconfigPath, "HOME": home, "PATH": "/usr/bin:/bin"]
        let serverBefore = cpuSeconds()
        let childBefore = cpuSeconds(children: true)
        let run = try await PipedCommand(command: command, environment: environment, directory: home).run()
        let serverCPU = cpuSeconds() - serverBefore
        let childCPU = cpuSeconds(children: true) - childBefore
        guard run.status == 0 else {
            throw BenchError("\(client.rawValue) exited with \(run.status): \(run.stderr)")
        }
        guard run.lines == lines else {
            throw BenchError("\(client.rawValue) received \(run.lines) lines, expected \(lines): \(run.stderr)")
        }
        return Drain(client: client, seconds: run.seconds, lines: run.lines, clientCPU: childCPU, serverCPU: serverCPU,
            note: run.stderr.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
