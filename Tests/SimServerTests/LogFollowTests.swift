import FlightdeckCore
import FlightdeckTestSupport
import Foundation
import KubeClient
import KubeModel
import SimCluster
import SimServer
import Testing

/// `LogFollower` against the simulated kubelet: a container that is OOM-killed and
/// restarted, followed through a link that is cut mid-stream, is read exactly once, in
/// order — compared with what the kubelet kept of both runs.
@Suite(.timeLimit(.minutes(2))) struct LogFollowTests {
    @Test func followsAcrossACutLinkAndAContainerRestartWithoutGapsOrDuplicates() async throws {
        let directory = TemporaryDirectory("flightdeck-logs")
        let sim = try await SimulatedCluster.start(.init(dataDirectory: URL(fileURLWithPath: directory.file("data")),
            timing: SimTiming(scale: 0.05), bookmarkInterval: .milliseconds(500)))
        let proxy = try FreezingProxy(target: sim.server.port)
        defer { proxy.stop() }
        var connection = try TestCluster.loader(home: directory.path).load(kubeconfig: sim.kubeconfigURL.path)
        connection.server = URL(string: "https://127.0.0.1:\(proxy.port)")!
        let api = KubeAPI(connection: connection, qps: 1000, burst: 1000)

        let pod: JSONValue = [
            "apiVersion": "v1", "kind": "Pod", "metadata": ["name": "agent-restarts"],
            "spec": [
                "restartPolicy": "OnFailure",
                "containers": [[
                    "name": "agent", "image": "ghcr.io/flightdeck/sim-agent:1",
                    "env": [["name": "JOB_ID", "value": "restarts"], ["name": "SIM_AGENT_STEPS", "value": "6"],
                        ["name": "SIM_AGENT_PACE", "value": "2"], ["name": "SIM_AGENT_FAIL", "value": "oom@3"]],
                ]],
            ],
        ]
        _ = try await api.create(.pods, namespace: "agents", pod)
        try await eventually {
            let pod = try await api.get(Pod.self, namespace: "agents", name: "agent-restarts")
            return pod.status.containerStatuses.first?.json["state"]?["running"] != nil
        }
        let follower = LogFollower(api: api, namespace: "agents", pod: "agent-restarts", container: "agent",
            backoff: Backoff(initial: 0.05, maximum: 0.3))
        var received: [LogLine] = []
        var cutDone = false
        for try await line in follower.lines() {
            received.append(line)
            if received.count == 5, !cutDone {
                try await proxy.cut()
                cutDone = true
            }
        }
        #expect(cutDone)

        // What the kubelet kept: the first run (previous) and the last.
        let final = try await api.get(Pod.self, namespace: "agents", name: "agent-restarts")
        #expect(final.status.phase == .succeeded)
        #expect(final.status.containerStatuses.first?.restartCount == 1)
        func kept(previous: Bool) async throws -> [String] {
            var text: [UInt8] = []
            for try await chunk in api.logs(namespace: "agents", pod: "agent-restarts",
                options: PodLogOptions(container: "agent", previous: previous, timestamps: true))
            {
                text += chunk
            }
            return String(decoding: text, as: UTF8.self).split(separator: "\n").map(String.init)
        }
        let expected = try await kept(previous: true) + kept(previous: false)
        let got = received.map { $0.timestamp + " " + String(decoding: $0.text, as: UTF8.self) }
        #expect(expected.count > 10)
        #expect(got == expected)
        #expect(received.first?.restartCount == 0)
        // The run a line is labelled with is what the pod reported as the stream opened.
        #expect(zip(received, received.dropFirst()).allSatisfy { $0.restartCount <= $1.restartCount })
        await sim.stop()
    }
}
