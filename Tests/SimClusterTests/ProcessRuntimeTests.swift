import FlightdeckCore
import FlightdeckTestSupport
import Foundation
import KubeModel
import Testing

@testable import SimCluster

@Suite("The agent runtime's image as a real process")
struct AgentRuntimeImageTests {
    @Test(arguments: [
        ("localhost/flightdeck-agent:0.1.0", true), ("flightdeck-agent", true),
        ("registry.lan:5000/team/flightdeck-agent@sha256:0123", true), ("docker.io/acme/flightdeck-agent:2", true),
        ("ghcr.io/flightdeck/sim-agent:1", false), ("localhost/flightdeck-agent-extra:1", false),
        ("flightdeck-agent.example/agent:1", false), ("", false),
    ])
    func matchesTheRuntimeRepositoryOnly(image: String, expected: Bool) {
        #expect(AgentRuntimeImage.matches(image) == expected)
    }

    @Test func translatesThePodContractToTheHostPathsBehindItsVolumes() {
        let filesystem = ContainerFilesystem(mounts: [
            .init(containerPath: "/workspace", hostPath: "/data/pv-1"),
            .init(containerPath: "/tmp", hostPath: "/data/pod/tmp"),
            .init(containerPath: "/home/agent/.local", hostPath: "/data/pod/local"),
            .init(containerPath: "/var/secrets", hostPath: "/data/pod/secrets", readOnly: true),
        ], rootDirectory: "/data/pod/rootfs")
        let runtime = AgentRuntimeImage(python: "/repo/flightdeck-agent/.venv/bin/python", natsURL: "nats://127.0.0.1:4999")
        var container = Container(name: "agent", image: "localhost/flightdeck-agent:0.1.0")
        let plan = runtime.launchPlan(for: container, environment: [
            "JOB_ID": "abc", "WORKSPACE_PATH": "/workspace", "CHECKPOINT_PATH": "/workspace/checkpoints/job_abc.db",
            "HEARTBEAT_PATH": "/tmp/flightdeck-heartbeat", "SECRETS_DIR": "/var/secrets", "HOME": "/home/agent",
            "PYTHONUSERBASE": "/home/agent/.local", "PATH": "/home/agent/.local/bin:/usr/local/bin:/usr/bin:/bin",
            "NATS_URL": "nats://nats.agents.svc.cluster.local:4222", "HTTPS_PROXY": "http://proxy:3128",
            "https_proxy": "http://proxy:3128", "NO_PROXY": ".svc,.cluster.local", "NATS_SUBJECT_LOGS": "logs.agent.abc",
            "TASK_PROMPT": "fix /workspace/app.py please",
        ], filesystem: filesystem)
        #expect(plan.arguments == ["/repo/flightdeck-agent/.venv/bin/python", "-m", "flightdeck_agent.reference"])
        #expect(plan.workingDirectory == "/data/pv-1")
        let env = plan.environment
        #expect(env["WORKSPACE_PATH"] == "/data/pv-1")
        #expect(env["CHECKPOINT_PATH"] == "/data/pv-1/checkpoints/job_abc.db")
        #expect(env["HEARTBEAT_PATH"] == "/data/pod/tmp/flightdeck-heartbeat")
        #expect(env["SECRETS_DIR"] == "/data/pod/secrets")
        #expect(env["HOME"] == "/data/pod/rootfs/home/agent")
        #expect(env["PYTHONUSERBASE"] == "/data/pod/local")
        #expect(env["TMPDIR"] == "/data/pod/tmp")
        #expect(env["PATH"] == "/data/pod/local/bin:/repo/flightdeck-agent/.venv/bin:/usr/local/bin:/usr/bin:/bin")
        #expect(env["NATS_URL"] == "nats://127.0.0.1:4999")
        #expect(env["NATS_SUBJECT_LOGS"] == "logs.agent.abc", "not a path: kept")
        #expect(env["TASK_PROMPT"] == "fix /workspace/app.py please", "text that mentions a path is not a path")
        #expect(env["JOB_ID"] == "abc")
        #expect(env["LANG"] == "C.UTF-8")
        for proxy in ["HTTPS_PROXY", "https_proxy", "NO_PROXY"] { #expect(env[proxy] == nil) }
        #expect(plan.directories.contains("/data/pod/rootfs/home/agent"))

        // `command` replaces the entrypoint; `python3` anywhere is the runtime's interpreter.
        container.command = ["/usr/local/bin/python3", "-m", "my_agent"]
        container.args = ["--fast"]
        container.workingDir = "/workspace/src"
        let custom = AgentRuntimeImage(python: "/venv/bin/python", natsURL: nil).launchPlan(for: container,
            environment: ["NATS_URL": "nats://nats:4222"], filesystem: filesystem)
        #expect(custom.arguments == ["/venv/bin/python", "-m", "my_agent", "--fast"])
        #expect(custom.workingDirectory == "/data/pv-1/src")
        #expect(custom.environment["NATS_URL"] == nil, "no NATS here: the agent prints its trace")
        container.command = []
        let withArgs = runtime.launchPlan(for: container, environment: [:], filesystem: filesystem)
        #expect(withArgs.arguments == ["/repo/flightdeck-agent/.venv/bin/python", "-m", "flightdeck_agent.reference", "--fast"])
    }
}

@Suite("Kubelet: the runtime's image runs as a real process", .timeLimit(.minutes(2)))
struct ProcessRuntimeKubeletTests {
    /// The runtime's image with a shell script as its command: a real `/bin/sh` in the pod's
    /// contract (real workspace directory, real log), whatever interpreter is configured.
    func shellPod(_ bed: KubeletBed, _ name: String, script: String, restartPolicy: String = "Never",
        livenessProbe: JSONValue? = nil) -> JSONValue
    {
        var pod = Pod(json: bed.agentPod(name, restartPolicy: restartPolicy, livenessProbe: livenessProbe))
        var agent = pod.spec.containers[0]
        agent.image = "localhost/flightdeck-agent:0.1.0"
        agent.command = ["sh", "-c", script]
        agent.env = [EnvVar(name: "JOB_ID", value: "job-1"), EnvVar(name: "WORKSPACE_PATH", value: "/workspace"),
            EnvVar(name: "HEARTBEAT_PATH", value: "/tmp/heartbeat"), EnvVar(name: "HOME", value: "/home/agent")]
        var volumes = pod.spec.volumes
        var tmp = Volume()
        tmp.name = "tmp"
        tmp.json.setMember("emptyDir", .emptyObject)
        volumes.append(tmp)
        pod.spec.volumes = volumes
        agent.volumeMounts = agent.volumeMounts + [VolumeMount(name: "tmp", mountPath: "/tmp")]
        pod.spec.containers = [agent]
        return pod.json
    }

    func bed(scale: Double = 0.001) throws -> KubeletBed {
        try KubeletBed(scale: scale, agentRuntime: AgentRuntimeImage(python: "/nonexistent/python", natsURL: nil))
    }

    @Test func aRealProcessWritesTheWorkspaceAndItsLogAndExitsWithItsCode() async throws {
        let bed = try bed()
        bed.kubelet.start()
        let script = #"""
            echo "pwd=$(pwd)"; echo "made" > "$WORKSPACE_PATH/made-by-process.txt"; touch "$HEARTBEAT_PATH"
            printf 'bad \377 byte\n'; printf 'to stderr\n' >&2; printf 'no newline at the end'; exit 3
            """#
        _ = try bed.store.create(shellPod(bed, "proc-1", script: script), type: .pods)
        let pod = await bed.waitFor("proc-1") { $0.phase == .succeeded || $0.phase == .failed }
        #expect(pod.phase == .failed)
        let agent = try #require(pod.container("agent"))
        #expect(agent.state.terminated?.exitCode == 3)
        #expect(agent.state.terminated?.reason == "Error")
        #expect(try String(contentsOfFile: bed.pvPath + "/made-by-process.txt", encoding: .utf8) == "made\n")
        let lines = try await bed.kubelet.podLogs(namespace: "default", name: "proc-1",
            options: PodLogOptions(container: "agent")).lines()
        #expect(lines.contains("pwd=" + bed.pvPath), "the working directory is the workspace's real directory")
        #expect(lines.contains("bad \u{FFFD} byte"), "invalid UTF-8 is replaced")
        #expect(lines.contains("to stderr"))
        #expect(lines.contains("no newline at the end"), "a last line without its newline is kept")
        // The heartbeat went to the pod's /tmp emptyDir, where the kubelet's probe looks.
        let tmp = try #require(FileManager.default.enumerator(atPath: bed.directory.path + "/node")?.allObjects
            .compactMap { $0 as? String }.first { $0.hasSuffix("empty-dir/tmp/heartbeat") })
        #expect(!tmp.isEmpty)
        await bed.kubelet.stop()
    }

    @Test func aMissingProgramExits127WithTheRuntimesMessage() async throws {
        let bed = try bed()
        bed.kubelet.start()
        var pod = Pod(json: shellPod(bed, "proc-missing", script: ""))
        var agent = pod.spec.containers[0]
        agent.command = ["definitely-not-a-program-here"]
        pod.spec.containers = [agent]
        _ = try bed.store.create(pod.json, type: .pods)
        let done = await bed.waitFor("proc-missing") { $0.phase == .failed }
        #expect(done.container("agent")?.state.terminated?.exitCode == 127)
        let text = try await bed.kubelet.podLogs(namespace: "default", name: "proc-missing",
            options: PodLogOptions(container: "agent")).text()
        #expect(text.contains("executable file not found in $PATH"))
        await bed.kubelet.stop()
    }

    /// Deletes a pod held by a finalizer (as the Job controller's is), so its final status stays readable.
    func startHeld(_ bed: KubeletBed, _ name: String, script: String, grace: Int64) async throws {
        var pod = Pod(json: shellPod(bed, name, script: script))
        pod.metadata.finalizers = ["batch.kubernetes.io/job-tracking"]
        pod.spec.terminationGracePeriodSeconds = grace
        _ = try bed.store.create(pod.json, type: .pods)
        await bed.waitFor(name) { $0.container("agent")?.state.running != nil }
        try await eventually { try await bed.kubelet.podLogs(namespace: "default", name: name,
            options: PodLogOptions(container: "agent")).text().contains("ready") }
        _ = try bed.store.delete(type: .pods, namespace: "default", name: name)
    }

    @Test func deletionSendsSIGTERMAndNothingTheContainerStartedOutlivesIt() async throws {
        let bed = try bed(scale: 0.01)
        bed.kubelet.start()
        let marker = bed.directory.path + "/child.pid"
        let script = """
            setsid sleep 1000 & echo $! > \(marker)
            trap 'echo got TERM; exit 0' TERM
            echo ready; while true; do sleep 0.05; done
            """
        try await startHeld(bed, "proc-term", script: script, grace: 100_000)
        let pod = await bed.waitFor("proc-term") { $0.container("agent")?.state.terminated != nil }
        #expect(pod.container("agent")?.state.terminated?.exitCode == 0, "the script's TERM trap ran and exited 0")
        let log = try await bed.kubelet.podLogs(namespace: "default", name: "proc-term",
            options: PodLogOptions(container: "agent")).text()
        #expect(log.contains("got TERM"))
        // The background child left the container's session and group (as the agent's execute
        // tool's commands do), yet is gone with the container, as with a cgroup.
        let child = try #require(Int32((try String(contentsOfFile: marker, encoding: .utf8))
            .trimmingCharacters(in: .whitespacesAndNewlines)))
        try await eventually { kill(child, 0) != 0 || Self.isZombie(child) }
        await bed.kubelet.stop()
    }

    @Test func aProcessThatIgnoresSIGTERMIsKilledAfterTheGracePeriod() async throws {
        let bed = try bed(scale: 0.01)
        bed.kubelet.start()
        // 30 simulated seconds of grace at a hundredth of real time: 0.3 s, then SIGKILL.
        try await startHeld(bed, "proc-stubborn", script: "trap '' TERM; echo ready; while true; do sleep 0.05; done",
            grace: 30)
        let pod = await bed.waitFor("proc-stubborn") { $0.container("agent")?.state.terminated != nil }
        #expect(pod.container("agent")?.state.terminated?.exitCode == 137)
        await bed.kubelet.stop()
    }

    @Test func aHeartbeatThatIsNeverTouchedFailsTheLivenessProbeAndTheProcessIsRestarted() async throws {
        let bed = try bed(scale: 0.01)
        bed.kubelet.start()
        let probe: JSONValue = ["exec": ["command": ["sh", "-c", "find /tmp/heartbeat -mmin -1 | grep -q ."]],
            "initialDelaySeconds": 0, "periodSeconds": 5, "failureThreshold": 2]
        _ = try bed.store.create(shellPod(bed, "proc-wedged", script: "echo wedged; while true; do sleep 0.05; done",
            restartPolicy: "OnFailure", livenessProbe: probe), type: .pods)
        let pod = await bed.waitFor("proc-wedged") { ($0.container("agent")?.restartCount ?? 0) >= 1 }
        let last = try #require(pod.container("agent")?.lastState.terminated)
        #expect([137, 143].contains(last.exitCode))
        #expect(bed.events("proc-wedged").contains { $0.reason == "Unhealthy" && $0.message.contains("Liveness probe failed") })
        await bed.kubelet.stop()
    }

    static func isZombie(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return false }
        return stat[stat.index(close, offsetBy: 2)] == "Z"
    }
}
