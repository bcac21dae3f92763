import FlightdeckCore
import Foundation
import KubeModel
import Testing

@testable import SimCluster

@Suite("Kubelet rules")
struct KubeletRulesTests {
    @Test func whichImageRunsWhat() {
        func behavior(_ name: String, _ image: String, command: [String] = [], env: [String] = [], sidecar: Bool = false,
            values: [String: String] = [:]) -> ContainerBehavior
        {
            var container = Container(name: name, image: image)
            container.command = command
            container.env = env.map { EnvVar(name: $0, value: "1") }
                + values.keys.sorted().map { EnvVar(name: $0, value: values[$0]!) }
            return ContainerBehavior.of(container, isSidecar: sidecar)
        }
        #expect(behavior("agent", "ghcr.io/acme/agent:1") == .agent)
        #expect(behavior("log-shipper", "docker.io/timberio/vector:0.56.0-distroless-libc", sidecar: true) == .logShipper)
        #expect(behavior("log-shipper", "fluent/fluent-bit:3.1", sidecar: true) == .logShipper)
        #expect(behavior("restore-workspace", "minio/mc:latest") == .restore)
        #expect(behavior("fetch", "amazon/aws-cli:2") == .restore)
        #expect(behavior("snapshot", "minio/mc:latest", sidecar: true) == .snapshotSidecar)
        #expect(behavior("snapshot", "minio/mc:latest") == .restore)
        #expect(behavior("setup", "busybox", command: ["sh", "-c", "echo hi"]) == .shell("echo hi"))
        #expect(behavior("x", "fluent/fluent-bit:3.1", env: ["SIM_AGENT_STEPS"]) == .agent)
        #expect(behavior("x", "busybox", command: ["ls"]) == .agent)
        #expect(behavior("squid", "docker.io/ubuntu/squid:6.6-24.04_edge", command: ["squid", "-N"]) == .service(.squid))
        #expect(behavior("nats", "docker.io/library/nats:2.10.22-alpine") == .service(.nats))
        #expect(behavior("nats", "nats:2.10", env: ["SIM_AGENT_STEPS"]) == .agent)
        #expect(behavior("gen", "flightdeck/log-generator:1") == .logGenerator(lines: 1000, lineBytes: 120))
        #expect(behavior("gen", "flightdeck/log-generator:1", values: ["LOG_LINES": "1000000", "LOG_LINE_BYTES": "150"])
            == .logGenerator(lines: 1_000_000, lineBytes: 150))
        #expect(behavior("gen", "log-generator", values: ["LOG_LINES": "many", "LOG_LINE_BYTES": "-5"])
            == .logGenerator(lines: 1000, lineBytes: 0))
        #expect(behavior("gen", "log-generator", command: ["sh", "-c", "echo hi"]) == .logGenerator(lines: 1000, lineBytes: 120))
        #expect(behavior("gen", "log-generator", env: ["SIM_AGENT_STEPS"]) == .agent)
    }

    /// The shipper prints what its image would: Vector's start-up lines naming the config it
    /// was given and its version, or Fluent Bit's banner for a Fluent Bit image.
    @Test func theLogShipperSpeaksAsItsImage() {
        let now = Date(timeIntervalSince1970: 1_764_390_188.123)
        var vector = Container(name: "log-shipper", image: "docker.io/timberio/vector:0.56.0-distroless-libc")
        vector.args = ["--config", "/etc/vector/vector-no-auth.yaml"]
        let lines = SimContainerRuntime.LogShipperBanner.vector.startLines(container: vector, at: now)
        #expect(lines.first == #"2025-11-29T04:23:08.123000Z  INFO vector::app: Log level is enabled. level="info""#)
        #expect(lines.contains(#"2025-11-29T04:23:08.123000Z  INFO vector::app: Loading configs. paths=["/etc/vector/vector-no-auth.yaml"]"#))
        #expect(lines.contains { $0.hasSuffix(#"Vector has started. debug="false" version="0.56.0" arch="x86_64" revision="""#) })
        vector.args = ["--config=/etc/v.toml"]
        #expect(SimContainerRuntime.LogShipperBanner.vector.startLines(container: vector, at: now)
            .contains { $0.hasSuffix(#"Loading configs. paths=["/etc/v.toml"]"#) })
        let fluent = SimContainerRuntime.LogShipperBanner.fluentBit.startLines(
            container: Container(name: "log-shipper", image: "fluent/fluent-bit:3.1"), at: now)
        #expect(fluent.first == "Fluent Bit v3.1.4")
        #expect(SimContainerRuntime.LogShipperBanner.fluentBit.stopLines(at: now).first == "[2025/11/29 04:23:08] [engine] caught signal (SIGTERM)")
    }

    @Test func syntheticLogLinesAreNumberedFixedLengthAndValidJSON() throws {
        let lines = SyntheticLogLines(lineBytes: 130)
        let text = lines.text(1...500)
        let split = text.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(split.count == 500)
        #expect(split.allSatisfy { $0.utf8.count == 130 })
        #expect(split[1].hasPrefix("{\"seq\":2,\"kind\":\"action\""))
        for (offset, line) in split.enumerated() where line.hasPrefix("{") {
            let json = try JSONParser().parse(Array(line.utf8))
            #expect(json["seq"]?.int64Value == Int64(offset + 1))
        }
        #expect(split.filter { $0.hasPrefix("{") }.count == 300)
        // Short targets keep the fixed part whole.
        #expect(SyntheticLogLines(lineBytes: 10).text(2...2) == "{\"seq\":2,\"kind\":\"action\",\"tool\":\"edit_file\",\"args\":\"tests/test_module_1.py\",\"text\":\"\"}")
    }

    @Test func shellSketch() {
        #expect(ShellSketch("echo \"hello\"; sleep 2 && cp a b\nexit 3; echo never").steps == [
            .print("hello"), .sleep(2), .print("+ cp a b"), .exit(3),
        ])
        #expect(ShellSketch("set -e\n# comment\n").steps == [])
    }

    @Test func containerPathsMapToVolumesOrTheContainerRoot() {
        let fs = ContainerFilesystem(mounts: [
            .init(containerPath: "/workspace", hostPath: "/pv/ws"),
            .init(containerPath: "/workspace/cache/", hostPath: "/empty/cache"),
        ], rootDirectory: "/node/rootfs")
        #expect(fs.hostPath("/workspace") == "/pv/ws")
        #expect(fs.hostPath("/workspace/checkpoints/job_1.db") == "/pv/ws/checkpoints/job_1.db")
        #expect(fs.hostPath("/workspace/cache/x") == "/empty/cache/x")
        #expect(fs.hostPath("/workspacex/y") == "/node/rootfs/workspacex/y")
        #expect(fs.hostPath("/workspace/../etc/passwd") == "/node/rootfs/etc/passwd")
        #expect(fs.hostPath("tmp/a") == "/node/rootfs/tmp/a")
    }

    func record(_ name: String, _ role: ContainerRecord.Role, _ state: ContainerRecord.State,
        last: ContainerRecord.Terminated? = nil) -> ContainerRecord
    {
        var record = ContainerRecord(name: name, role: role, image: "img")
        record.state = state
        record.lastTerminated = last
        record.everStarted = { if case .waiting = state { return last != nil } else { return true } }()
        return record
    }

    func ended(_ code: Int32) -> ContainerRecord.State { .terminated(terminated(code)) }
    func terminated(_ code: Int32) -> ContainerRecord.Terminated {
        .init(exitCode: code, reason: code == 0 ? "Completed" : "Error", startedAt: Date(timeIntervalSince1970: 0),
            finishedAt: Date(timeIntervalSince1970: 1), containerID: "containerd://x")
    }

    @Test func phaseFollowsTheKubeletsRules() {
        func phase(_ policy: String, terminal: Bool = false, _ records: [ContainerRecord]) -> PodPhase {
            PodStatusBuilder(restartPolicy: policy, hasInitContainers: true, sandboxReady: true, terminal: terminal,
                podIP: nil, hostIP: "h", startTime: Date()).phase(records)
        }
        let waitingInit = record("init", .initContainer, .waiting(reason: nil, message: nil))
        let waitingMain = record("main", .main, .waiting(reason: nil, message: nil))
        #expect(phase("Never", [waitingInit, waitingMain]) == .pending)
        let doneInit = record("init", .initContainer, ended(0))
        let sidecar = record("side", .sidecar, .running(startedAt: Date()))
        #expect(phase("Never", [doneInit, sidecar, record("main", .main, .running(startedAt: Date()))]) == .running)
        // Main done but the sidecar still running: not terminal yet.
        #expect(phase("Never", [doneInit, sidecar, record("main", .main, ended(0))]) == .running)
        #expect(phase("Never", terminal: true, [doneInit, record("side", .sidecar, ended(0)), record("main", .main, ended(0))])
            == .succeeded)
        #expect(phase("Never", terminal: true, [doneInit, record("main", .main, ended(1))]) == .failed)
        // OnFailure in back-off is still Running; a failed init with Never fails the pod.
        #expect(phase("OnFailure", [doneInit,
            record("main", .main, .waiting(reason: "CrashLoopBackOff", message: nil), last: terminated(1))]) == .running)
        #expect(phase("Never", terminal: true, [record("init", .initContainer, ended(2)), waitingMain]) == .failed)
        #expect(phase("Never", [record("init", .initContainer, ended(2)), waitingMain]) == .pending)
    }

    @Test func conditionsAndStatusesReadLikeTheRealKubelets() {
        let builder = PodStatusBuilder(restartPolicy: "Never", hasInitContainers: true, sandboxReady: true,
            terminal: false, podIP: "10.42.0.5", hostIP: "172.18.0.2", startTime: Date(timeIntervalSince1970: 100))
        let scheduled: JSONValue = ["conditions": [["type": "PodScheduled", "status": "True",
            "lastTransitionTime": "2026-01-01T00:00:00Z", "lastProbeTime": .null]]]
        let initializing = PodStatus(json: builder.status([
            record("restore", .initContainer, .running(startedAt: Date(timeIntervalSince1970: 100))),
            record("agent", .main, .waiting(reason: nil, message: nil)),
        ], old: scheduled, now: Date(timeIntervalSince1970: 200)))
        #expect(initializing.phase == .pending)
        #expect(initializing.conditions.map(\.type) == ["PodReadyToStartContainers", "Initialized", "Ready",
            "ContainersReady", "PodScheduled"])
        #expect(initializing.conditions.first(type: "Initialized")?.message == "containers with incomplete status: [restore]")
        #expect(initializing.conditions.first(type: "Ready")?.message == "containers with unready status: [agent]")
        #expect(initializing.conditions.first(type: "PodScheduled")?.json["lastTransitionTime"] == "2026-01-01T00:00:00Z")
        #expect(initializing.containerStatuses.first?.state.waiting?.reason == "PodInitializing")
        #expect(initializing.podIP == "10.42.0.5")

        let running = PodStatus(json: builder.status([
            record("restore", .initContainer, ended(0)),
            record("agent", .main, .running(startedAt: Date(timeIntervalSince1970: 150))),
        ], old: initializing.json, now: Date(timeIntervalSince1970: 300)))
        #expect(running.phase == .running)
        #expect(running.conditions.first(type: "Ready")?.isTrue == true)
        #expect(running.conditions.first(type: "Ready")?.lastTransitionTime == Date(timeIntervalSince1970: 300))
        #expect(running.conditions.first(type: "PodReadyToStartContainers")?.lastTransitionTime
            == Date(timeIntervalSince1970: 200))
        #expect(running.containerStatuses.first?.ready == true)
        #expect(running.containerStatuses.first?.started == true)
        #expect(running.initContainerStatuses.first?.state.terminated?.reason == "Completed")
        #expect(ContainerRecord.reason(for: ContainerExitStatus(code: 137, oomKilled: true)) == "OOMKilled")
        #expect(ContainerRecord.reason(for: ContainerExitStatus(code: 137)) == "Error")
        #expect(PodStatusBuilder.normalizedImage("python:3.12") == "docker.io/library/python:3.12")
        #expect(PodStatusBuilder.normalizedImage("ghcr.io/a/b") == "ghcr.io/a/b:latest")
        #expect(PodStatusBuilder.imageID("busybox").hasPrefix("docker.io/library/busybox@sha256:"))
        #expect(PodStatusBuilder.imageID("busybox").count == "docker.io/library/busybox@sha256:".count + 64)
    }

    @Test func livenessProbeReadsTheHeartbeatCommand() throws {
        let probe = try #require(LivenessProbe(json: [
            "exec": ["command": ["sh", "-c", "find /workspace/.heartbeat -mmin -2 | grep ."]],
            "initialDelaySeconds": 5, "periodSeconds": 15, "failureThreshold": 4,
        ]))
        #expect(probe.path == "/workspace/.heartbeat")
        #expect(probe.maxAge == 120)
        #expect(probe.periodSeconds == 15 && probe.failureThreshold == 4 && probe.initialDelaySeconds == 5)
        let exists = try #require(LivenessProbe(json: ["exec": ["command": ["test", "-f", "/tmp/alive"]]]))
        #expect(exists.maxAge == nil && exists.periodSeconds == 10 && exists.failureThreshold == 3)
        #expect(LivenessProbe(json: ["httpGet": ["path": "/healthz", "port": 8080]]) == nil)
        #expect(exists.check(hostPath: "/nonexistent/alive", now: Date(), scale: 1) != nil)
        let file = NSTemporaryDirectory() + "heartbeat-\(UUID().uuidString)"
        _ = FileManager.default.createFile(atPath: file, contents: Data())
        defer { try? FileManager.default.removeItem(atPath: file) }
        #expect(probe.check(hostPath: file, now: Date(), scale: 1) == nil)
        #expect(probe.check(hostPath: file, now: Date().addingTimeInterval(200), scale: 1)?.contains("limit 120s") == true)
        #expect(probe.check(hostPath: file, now: Date().addingTimeInterval(200), scale: 10) == nil)
    }

    @Test func environmentExpansion() {
        #expect(PodRun.expand("$(A)/x/$(B)/$$(A)/$(C)", ["A": "1", "B": "2"]) == "1/x/2/$(A)/$(C)")
    }
}
