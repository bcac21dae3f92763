import FlightdeckCore
import Foundation
import KubeModel
import SimCluster

/// A 1M-line agent log ingested by `PodLogIngestor` into a history file whose writer is
/// stalled for the first 10 s (another process holds the write lock) and slower than the
/// socket afterwards: the memory of the ingesting process (a child of its own) while the
/// kubelet could send everything at once, and whether every line arrives.
struct LogDrainStallBenchmark {
    let lines: Int
    let lineBytes: Int
    let stall: Int
    let directory: String

    func run() async throws {
        let cluster = try await BenchCluster.start(in: directory + "/log-drain-stall")
        do {
            try await measure(cluster)
        } catch {
            await cluster.stop()
            throw error
        }
        await cluster.stop()
    }

    private func measure(_ cluster: BenchCluster) async throws {
        let pod: JSONValue = [
            "apiVersion": "v1", "kind": "Pod",
            "metadata": ["name": "agent-stall", "namespace": .string(cluster.namespace),
                "labels": ["app.kubernetes.io/component": "agent", "batch.kubernetes.io/job-name": "agent-stall"]],
            "spec": [
                "nodeName": .string(cluster.sim.options.nodeName), "restartPolicy": "Never",
                "containers": [[
                    "name": "agent", "image": "flightdeck/log-generator:1",
                    "env": [
                        ["name": "JOB_ID", "value": "stallbench"],
                        ["name": "LOG_LINES", "value": .string(String(lines))],
                        ["name": "LOG_LINE_BYTES", "value": .string(String(lineBytes))],
                    ],
                ]],
            ],
        ]
        let created = try cluster.store.create(pod, type: .pods)
        let uid = created[path: ["metadata", "uid"]]?.stringValue ?? ""
        var file: ContainerLogFile?
        while file == nil || !file!.isTerminated {
            file = cluster.sim.kubelet.logs.file(namespace: cluster.namespace, pod: "agent-stall", uid: uid,
                container: "agent", attempt: 0)
            try await Task.sleep(for: .milliseconds(5))
        }
        print("log-drain-stall: the agent's log holds \(grouped(Double(lines))) lines of \(lineBytes) bytes "
            + "(\(format(Double(file!.size) / 1e6, 1)) MB as a CRI log file), written before the ingester starts")
        let database = directory + "/log-drain-stall/history-\(getpid()).db"
        try? FileManager.default.removeItem(atPath: database)
        let home = directory + "/log-drain-stall/home"
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        let me = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        let command = "\(me) stall-client --kubeconfig \(cluster.kubeconfigPath) --namespace \(cluster.namespace) "
            + "--pod agent-stall --lines \(lines) --db \(database) --seconds \(stall)"
        let run = try await PipedCommand(command: command, environment: ["HOME": home, "PATH": "/usr/bin:/bin"],
            directory: home).run()
        guard run.status == 0 else { throw BenchError("stall-client exited with \(run.status): \(run.stderr)") }
        print("log-drain-stall: \(run.stderr.trimmingCharacters(in: .whitespacesAndNewlines))")
    }
}
