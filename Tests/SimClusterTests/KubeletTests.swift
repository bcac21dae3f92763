import FlightdeckCore
import FlightdeckTestSupport
import Foundation
import KubeModel
import SimAgent
import Testing

@testable import SimCluster

@Suite("Kubelet", .timeLimit(.minutes(2)))
struct KubeletTests {
    @Test func runsAnAgentPodToSucceededWithRealFilesLogsAndStatuses() async throws {
        let bed = try KubeletBed()
        let watch = try bed.store.watch(type: .pods, namespace: "default")
        bed.kubelet.start()
        _ = try bed.store.create(bed.agentPod("agent-1"), type: .pods)
        let pod = await bed.waitFor("agent-1") { $0.phase == .succeeded || $0.phase == .failed }
        #expect(pod.phase == .succeeded)

        // Phases move forward only: Pending, Running, Succeeded.
        var phases: [String] = []
        for await event in watch {
            let phase = event.object[path: ["status", "phase"]]?.stringValue ?? ""
            if !phase.isEmpty, phases.last != phase { phases.append(phase) }
            if phase == "Succeeded" { break }
        }
        #expect(phases == ["Pending", "Running", "Succeeded"])

        let agent = try #require(pod.container("agent"))
        #expect(agent.state.terminated?.exitCode == 0)
        #expect(agent.state.terminated?.reason == "Completed")
        #expect(agent.state.terminated?.startedAt != nil && agent.state.terminated?.finishedAt != nil)
        #expect(agent.containerID?.hasPrefix("containerd://") == true)
        #expect(agent.restartCount == 0)
        #expect(agent.image == "docker.io/flightdeck/agent:dev")
        #expect(agent.json["imageID"]?.stringValue?.hasPrefix("docker.io/flightdeck/agent@sha256:") == true)
        #expect(agent.ready == false)
        let restore = try #require(pod.container("restore-workspace"))
        #expect(restore.state.terminated?.reason == "Completed")
        let shipper = try #require(pod.container("log-shipper"))
        #expect(shipper.state.terminated?.exitCode == 0, "the sidecar is stopped after the agent")
        #expect(pod.status.initContainerStatuses.map(\.name) == ["restore-workspace", "log-shipper"])

        #expect(pod.condition("Ready")?.status == .false)
        #expect(pod.condition("Ready")?.reason == "PodCompleted")
        #expect(pod.condition("ContainersReady")?.reason == "PodCompleted")
        #expect(pod.condition("Initialized")?.status == .true)
        #expect(pod.condition("PodReadyToStartContainers")?.status == .false)
        #expect(pod.condition("PodScheduled")?.status == .true)
        #expect(pod.status.podIP?.hasPrefix("10.42.0.") == true)
        #expect(pod.status.hostIP == "172.18.0.2")
        #expect(pod.status.startTime != nil)

        // The workspace is the PV's real directory.
        for path in ["README.md", "NOTES.md", "REPORT.md", ".heartbeat", "checkpoints/job_job-1.db"] {
            #expect(FileManager.default.fileExists(atPath: bed.pvPath + "/" + path), "\(path)")
        }
        let store = try CheckpointStore(path: bed.pvPath + "/checkpoints/job_job-1.db", threadID: "job-1")
        #expect(try store.count() == 4)

        // Logs: the agent's trace, and the sidecar's.
        let lines = try await bed.kubelet.podLogs(namespace: "default", name: "agent-1",
            options: PodLogOptions(container: "agent")).lines()
        let parser = TraceLineParser()
        let records = lines.map { parser.parse($0, jobID: "job-1", sourceID: "log", receivedAt: Date()) }
        #expect(records.first?.text.hasPrefix("Agent started: job job-1") == true)
        #expect(records.last?.text.hasPrefix("Done: objective met in 4 steps") == true)
        #expect(records.contains { $0.kind == .action && $0.tool != nil })
        let shipperLog = try await bed.kubelet.podLogs(namespace: "default", name: "agent-1",
            options: PodLogOptions(container: "log-shipper")).text()
        #expect(shipperLog.contains(#"INFO vector::app: Loading configs. paths=["/etc/vector/vector.yaml"]"#))
        #expect(shipperLog.contains(#"INFO vector: Vector has started. debug="false" version="0.56.0""#))
        #expect(shipperLog.contains(#"INFO vector::signal: Signal received. signal="SIGTERM""#))
        #expect(shipperLog.hasSuffix("INFO vector: Vector has stopped.\n") || shipperLog.hasSuffix("INFO vector: Vector has stopped."))

        let events = bed.events("agent-1")
        #expect(events.allSatisfy { $0.component == "kubelet" })
        for name in ["restore-workspace", "log-shipper", "agent"] {
            #expect(events.contains { $0.reason == "Created" && $0.message == "Created container: \(name)" })
            #expect(events.contains { $0.reason == "Started" && $0.message == "Started container \(name)" })
        }
        #expect(events.contains { $0.reason == "Pulled" && $0.message == "Container image \"timberio/vector:0.56.0-distroless-libc\" already present on machine" })
        #expect(events.contains { $0.reason == "Killing" && $0.message == "Stopping container log-shipper" })
        await bed.kubelet.stop()
    }

    @Test func anOOMKillFailsThePod() async throws {
        let bed = try KubeletBed()
        bed.kubelet.start()
        _ = try bed.store.create(bed.agentPod("agent-oom", env: ["SIM_AGENT_FAIL": "oom@2"]), type: .pods)
        let pod = await bed.waitFor("agent-oom") { $0.phase == .succeeded || $0.phase == .failed }
        #expect(pod.phase == .failed)
        let agent = try #require(pod.container("agent"))
        #expect(agent.state.terminated?.exitCode == 137)
        #expect(agent.state.terminated?.reason == "OOMKilled")
        #expect(pod.condition("Ready")?.reason == "PodFailed")
        #expect(pod.container("log-shipper")?.state.terminated != nil)
        await bed.kubelet.stop()
    }

    @Test func aLogGeneratorWritesItsLinesAndSucceeds() async throws {
        let bed = try KubeletBed()
        bed.kubelet.start()
        var pod = Pod()
        pod.metadata.name = "gen"
        pod.metadata.namespace = "default"
        pod.spec.nodeName = "flightdeck-sim"
        pod.spec.restartPolicy = "Never"
        var container = Container(name: "gen", image: "flightdeck/log-generator:1")
        container.env = [EnvVar(name: "LOG_LINES", value: "2500"), EnvVar(name: "LOG_LINE_BYTES", value: "140")]
        pod.spec.containers = [container]
        _ = try bed.store.create(pod.json, type: .pods)
        // A follower from the start sees every line once, then the end.
        let stream = try await {
            while true {
                if let stream = try? bed.kubelet.podLogs(namespace: "default", name: "gen",
                    options: PodLogOptions(follow: true)) { return stream }
                try await Task.sleep(for: .milliseconds(5))
            }
        }()
        let lines = await stream.lines()
        #expect(lines.count == 2500)
        #expect(lines == SyntheticLogLines(lineBytes: 140).text(1...2500).split(separator: "\n").map(String.init))
        let done = await bed.waitFor("gen") { $0.phase == .succeeded || $0.phase == .failed }
        #expect(done.phase == .succeeded)
        #expect(done.container("gen")?.state.terminated?.exitCode == 0)
        await bed.kubelet.stop()
    }

    @Test func onFailureRestartsAndTheAgentResumesFromItsCheckpoint() async throws {
        let bed = try KubeletBed()
        bed.kubelet.start()
        _ = try bed.store.create(bed.agentPod("agent-retry", restartPolicy: "OnFailure",
            env: ["SIM_AGENT_FAIL": "ratelimit@3"]), type: .pods)
        let pod = await bed.waitFor("agent-retry") { $0.phase == .succeeded || $0.phase == .failed }
        #expect(pod.phase == .succeeded)
        let agent = try #require(pod.container("agent"))
        #expect(agent.restartCount == 1)
        #expect(agent.lastState.terminated?.exitCode == 75)
        #expect(agent.lastState.terminated?.reason == "Error")
        #expect(agent.state.terminated?.reason == "Completed")

        let previous = try await bed.kubelet.podLogs(namespace: "default", name: "agent-retry",
            options: PodLogOptions(container: "agent", previous: true)).text()
        #expect(previous.contains("429 Too Many Requests"))
        let current = try await bed.kubelet.podLogs(namespace: "default", name: "agent-retry",
            options: PodLogOptions(container: "agent")).lines()
        #expect(current.first?.contains("Resumed from checkpoint step 2") == true)
        await bed.kubelet.stop()
    }

    @Test func deletionStopsTheAgentAfterItsStepAndKeepsAFinalizedPod() async throws {
        let bed = try KubeletBed()
        bed.kubelet.start()
        // A grace period long enough (100 s at this scale) that the agent always finishes its step.
        var object = Pod(json: bed.agentPod("agent-del", env: ["SIM_AGENT_STEPS": "100000"],
            finalizers: ["batch.kubernetes.io/job-tracking"]))
        object.spec.terminationGracePeriodSeconds = 100_000
        _ = try bed.store.create(object.json, type: .pods)
        await bed.waitFor("agent-del") { $0.container("agent")?.state.running != nil }
        _ = try bed.store.delete(type: .pods, namespace: "default", name: "agent-del")
        let pod = await bed.waitFor("agent-del") { $0.phase == .failed }
        #expect(pod.container("agent")?.state.terminated?.exitCode == 143)
        #expect(pod.container("agent")?.state.terminated?.reason == "Error")
        #expect(bed.events("agent-del").contains { $0.reason == "Killing" && $0.message == "Stopping container agent" })
        let log = try await bed.kubelet.podLogs(namespace: "default", name: "agent-del",
            options: PodLogOptions(container: "agent", tailLines: 1)).text()
        #expect(log.contains("Received SIGTERM"))
        // The job controller's finalizer removal lets the pod go; the kubelet forgets it.
        _ = try bed.store.patch(type: .pods, namespace: "default", name: "agent-del",
            patch: ["metadata": ["finalizers": .null]])
        while bed.kubelet.activePods > 0 { try await Task.sleep(for: .milliseconds(5)) }
        #expect(bed.pod("agent-del") == nil)
        await bed.kubelet.stop()
    }

    @Test func operatorCommandsReachTheRunningAgent() async throws {
        let bed = try KubeletBed()
        bed.kubelet.start()
        _ = try bed.store.create(bed.agentPod("agent-cmd", env: ["SIM_AGENT_STEPS": "100000"]), type: .pods)
        while bed.kubelet.commands.subscriberCount(forJob: "job-1") == 0 { try await Task.sleep(for: .milliseconds(5)) }
        #expect(bed.kubelet.deliver(.instruct("focus on the parser"), toJob: "job-1") == 1)
        #expect(bed.kubelet.deliver(.cancel, toJob: "job-1") == 1)
        let pod = await bed.waitFor("agent-cmd") { $0.phase == .succeeded || $0.phase == .failed }
        #expect(pod.phase == .succeeded)
        let lines = try await bed.kubelet.podLogs(namespace: "default", name: "agent-cmd",
            options: PodLogOptions(container: "agent")).lines()
        #expect(lines.last?.contains("Cancelled by operator") == true)
        await bed.kubelet.stop()
    }

    @Test func aStaleHeartbeatFailsTheLivenessProbeAndRestarts() async throws {
        let bed = try KubeletBed()
        bed.kubelet.start()
        let probe: JSONValue = [
            "exec": ["command": ["sh", "-c", "find /workspace/.heartbeat -mmin -5 | grep ."]],
            "periodSeconds": 10, "failureThreshold": 2,
        ]
        _ = try bed.store.create(bed.agentPod("agent-hang", restartPolicy: "OnFailure",
            env: ["SIM_AGENT_FAIL": "hang@2"], livenessProbe: probe), type: .pods)
        let pod = await bed.waitFor("agent-hang") { $0.phase == .succeeded || $0.phase == .failed }
        #expect(pod.phase == .succeeded)
        // At least the hang's restart (a very loaded machine may starve a heartbeat once more).
        let restarts = pod.container("agent")?.restartCount ?? 0
        #expect(restarts >= 1)
        // The hung agent ignores SIGTERM and is killed (137). A later, starved-heartbeat restart
        // lands between steps, where the agent honours SIGTERM (143), and that is the last state.
        let lastExit = pod.container("agent")?.lastState.terminated?.exitCode
        if restarts == 1 { #expect(lastExit == 137) } else { #expect(lastExit == 137 || lastExit == 143) }
        let events = bed.events("agent-hang")
        #expect(events.contains { $0.reason == "Unhealthy" && $0.message.hasPrefix("Liveness probe failed: heartbeat /workspace/.heartbeat") })
        #expect(events.contains { $0.reason == "Killing" && $0.message == "Container agent failed liveness probe, will be restarted" })
        await bed.kubelet.stop()
    }
}
