import FlightdeckCore
import Foundation
import HistoryStore
import KubeModel
import Orchestrator
import SimCluster

/// The pod-log half of the trace pipeline: an agent pod of the simulated cluster has written
/// `lines` lines (`log-generator`: 60% JSON records, 40% plain output); Flightdeck's
/// `PodLogIngestor` finds the pod, follows its log over HTTPS and commits every line to a
/// fresh history file. Records/s from the ingester's start to the last commit.
struct TracePodLogBenchmark {
    let lines: Int
    let lineBytes: Int
    let directory: String

    func run() async throws {
        let cluster = try await BenchCluster.start(in: directory + "/trace-pods")
        defer { Task { await cluster.stop() } }
        let pod: JSONValue = [
            "apiVersion": "v1", "kind": "Pod",
            "metadata": ["name": "agent-bench", "namespace": .string(cluster.namespace),
                "labels": ["app.kubernetes.io/component": "agent", "batch.kubernetes.io/job-name": "agent-bench"]],
            "spec": [
                "nodeName": .string(cluster.sim.options.nodeName), "restartPolicy": "Never",
                "containers": [[
                    "name": "agent", "image": "flightdeck/log-generator:1",
                    "env": [
                        ["name": "JOB_ID", "value": "benchpods"],
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
            file = cluster.sim.kubelet.logs.file(namespace: cluster.namespace, pod: "agent-bench", uid: uid,
                container: "agent", attempt: 0)
            try await Task.sleep(for: .milliseconds(5))
        }
        let store = try HistoryStore(path: directory + "/trace-pods/history.db")
        let done = DoneCounter(target: lines)
        let writer = HistoryWriter(store: store) { outcome in
            if case .committed(let commit) = outcome { done.add(commit.records.count + commit.duplicates) }
        }
        let ingestor = PodLogIngestor(api: cluster.api, namespace: cluster.namespace, writer: writer)
        let start = now()
        let task = Task { await ingestor.run() }
        await done.wait()
        let seconds = now() - start
        task.cancel()
        try await writer.closed()
        let stored = try store.traceCount(jobID: "benchpods")
        print("trace-pods: \(grouped(Double(stored))) of \(grouped(Double(lines))) log lines (\(lineBytes) bytes) "
            + "followed, parsed and committed in \(format(seconds, 2)) s: \(grouped(Double(lines) / seconds)) records/s, "
            + "peak \(format(peakMemoryMB(), 0)) MB (the sim runs in the same process)")
    }
}
